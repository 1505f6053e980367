/**
 * Seeded test data for the sandbox: realistic international leads, contacts and accounts, plus a
 * known set of duplicate clusters (the "truth" a duplicate finder is scored against).
 *
 * Deterministic for a seed (own PRNG, a fixed reference date unless `now` is given). Base records
 * are unique on every duplicate signal (email, phone, folded name, company name without legal
 * suffix, web domain), so the only duplicates are the listed clusters. Records carry what the
 * record store's insert() keeps as is: ids that grow with createdAt, 'YYYY-MM-DD HH:mm:ss' dates,
 * email/phone data lists, phones in E.164.
 */
import { fold } from './records/collation.js';
import { formatDateTime, idAt } from './records/ids.js';
import type { EntityCatalog, RecordAttributes } from './types.js';

export type GeneratedEntityType = 'Lead' | 'Contact' | 'Account';

export interface DuplicateCluster {
  entityType: GeneratedEntityType;
  /** The original first, then its duplicates. */
  ids: string[];
  /** How the duplicates differ from the original, e.g. 'name:typo', 'email:case', 'phone:same'. */
  variations: string[];
}

export interface DuplicateTruth {
  clusters: DuplicateCluster[];
}

export interface GenerateOptions {
  seed: number;
  leads: number;
  contacts: number;
  accounts: number;
  /** Total clusters over the three entity types; default: about 2% of each type's records (at least 1 from 10 records). */
  duplicateClusters?: number;
  /** ISO country the data leans towards (default FR); FR, US, DE, ES, GB, IT are known. */
  defaultCountry?: string;
  /** Reference "now" for createdAt (default 2026-11-28T12:00:00Z, so output does not drift). */
  now?: Date;
  /** Live metadata, to take status/source/type/industry values from the entity's options. */
  catalog?: EntityCatalog;
}

export interface Dataset {
  records: Record<GeneratedEntityType, RecordAttributes[]>;
  truth: DuplicateTruth;
}

const DEFAULT_NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const YEAR_MS = 365 * 86_400_000;
const SPAN_YEARS = 4;

// ---- PRNG

/** mulberry32: small, fast, good enough for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [value, w] of entries) if ((r -= w) < 0) return value;
    return entries[entries.length - 1]![0];
  }
}

// ---- cultures

interface Culture {
  country: string;
  countryName: string;
  first: string[];
  last: string[];
  cities: string[];
  freeMail: string[];
  tld: string;
  suffixes: string[];
  nouns: string[];
  /** 'after' = "Dupont Conseil", 'before' = "Transportes García" */
  nounPosition: 'after' | 'before';
  /** chance of a compound surname ("García López", "Müller-Schmidt") */
  compoundLast: number;
  compoundJoin: string;
  mobile(r: Random): string;
  landline(r: Random): string;
  titles: string[];
}

const words = (s: string) => s.split(',').map((w) => w.trim()).filter(Boolean);

const CULTURES: Record<string, Culture> = {
  FR: {
    country: 'FR', countryName: 'France', tld: 'fr', nounPosition: 'after', compoundLast: 0.04, compoundJoin: '-',
    first: words('Jean,Marie,Pierre,Sophie,Élodie,Hélène,François,Frédéric,Jérôme,Céline,Amélie,Stéphane,Sébastien,Gaëlle,Anaïs,Léa,Chloé,Mathéo,Noé,Zoé,Raphaël,Clément,Benoît,Agnès,Thérèse,Loïc,Maëlle,Inès,Jérémy,Valérie,Nathalie,Isabelle,Camille,Julien,Nicolas,Thomas,Antoine,Guillaume,Laurent,Émilie,Manon,Lucas,Hugo,Arthur,Louise,Jules,Adèle,Cécile,Pascal,Dominique,Mélanie,Aurélie,Rémi,Gérard,Sylvie,Océane,Théo,Timothée,Séverine,Noémie'),
    last: words('Martin,Bernard,Dubois,Robert,Richard,Petit,Durand,Leroy,Moreau,Simon,Lefèvre,Michel,David,Bertrand,Roux,Vincent,Fournier,Morel,Girard,André,Lefebvre,Mercier,Dupont,Lambert,Bonnet,Legrand,Garnier,Faure,Rousseau,Blanc,Guérin,Henry,Roussel,Perrin,Morin,Mathieu,Gauthier,Dumont,Fontaine,Chevalier,Robin,Masson,Boyer,Denis,Lemaire,Duval,Joly,Roger,Rivière,Brunet,Gaillard,Barbier,Arnaud,Martel,Béranger,Lécuyer,Pelletier,Ménard,Hébert,Prévost,Noël,Séguin,Thériault,Carpentier,Lemoine,Bouvier,Giraud,Marchand,Dufour,Leclerc,Lacroix,Aubert,Bourgeois,Charpentier,Benoît'),
    cities: words('Paris,Lyon,Marseille,Toulouse,Nice,Nantes,Strasbourg,Montpellier,Bordeaux,Lille,Rennes,Reims,Grenoble,Dijon,Angers,Nîmes,Saint-Étienne,Le Havre,Besançon,Orléans'),
    freeMail: words('gmail.com,orange.fr,free.fr,laposte.net,outlook.fr,wanadoo.fr,sfr.fr,yahoo.fr'),
    suffixes: words('SARL,SAS,SA,EURL,SASU'),
    nouns: words('Conseil,Immobilier,Transports,Distribution,Industries,Bâtiment,Informatique,Logistique,Assurances,Énergie,Services,Ingénierie,Menuiserie,Électricité,Finance,Rénovation,Paysages,Événements'),
    titles: words('Responsable achats,Responsable commercial,Responsable marketing,Chef de projet,Responsable RH,Direction financière,Direction générale'),
    mobile: (r) => `+33${r.pick(['6', '7'])}${r.digits(8)}`,
    landline: (r) => `+33${r.int(1, 5)}${r.digits(8)}`,
  },
  US: {
    country: 'US', countryName: 'United States', tld: 'com', nounPosition: 'after', compoundLast: 0.02, compoundJoin: '-',
    first: words('James,John,Robert,Michael,William,David,Richard,Joseph,Charles,Christopher,Daniel,Matthew,Anthony,Mark,Steven,Andrew,Joshua,Kevin,Brian,Timothy,Ryan,Jacob,Mary,Patricia,Jennifer,Linda,Elizabeth,Barbara,Susan,Jessica,Sarah,Karen,Lisa,Nancy,Sandra,Margaret,Ashley,Kimberly,Emily,Donna,Michelle,Amanda,Melissa,Deborah,Stephanie,Rebecca,Sharon,Cynthia,Kathleen,Amy,Angela,Renée,Zoë,Tyler,Brandon,Megan,Brittany,Austin,Madison,Hunter'),
    last: words('Smith,Johnson,Williams,Brown,Jones,Miller,Davis,Wilson,Anderson,Taylor,Moore,Jackson,White,Harris,Thompson,Clark,Lewis,Robinson,Walker,Young,Allen,King,Wright,Scott,Hill,Green,Adams,Baker,Nelson,Carter,Mitchell,Roberts,Turner,Phillips,Campbell,Parker,Evans,Edwards,Collins,Stewart,Morris,Murphy,Cook,Rogers,Morgan,Peterson,Cooper,Reed,Bailey,Bell,Kelly,Howard,Ward,Cox,Richardson,Wood,Watson,Brooks,Bennett,Gray,Price,Sanders,Patel,Myers,Long,Ross,Foster,O\'Brien,O\'Connor,McCarthy,Fitzgerald,Sullivan,Nguyen,Kim,Rivera,Reyes,Flores,Ramirez,Chen,Wong'),
    cities: words('New York,Los Angeles,Chicago,Houston,Phoenix,Philadelphia,San Antonio,San Diego,Dallas,Austin,Seattle,Denver,Boston,Portland,Atlanta,Miami,Minneapolis,Nashville'),
    freeMail: words('gmail.com,yahoo.com,outlook.com,aol.com,icloud.com,hotmail.com'),
    suffixes: words('Inc.,LLC,Corp.,Co.'),
    nouns: words('Consulting,Logistics,Industries,Technologies,Holdings,Partners,Solutions,Group,Systems,Capital,Labs,Manufacturing,Realty,Analytics,Supply,Ventures,Media,Health'),
    titles: words('Sales Director,Procurement Manager,Owner,Marketing Director,Project Manager,Office Manager,HR Manager,CFO,VP Operations'),
    mobile: (r) => `+1${r.pick(['212', '213', '312', '415', '617', '646', '702', '713', '305', '404', '206', '503', '512', '303', '612', '215', '469', '480'])}${r.int(2, 9)}${r.digits(6)}`,
    landline: (r) => `+1${r.pick(['202', '214', '310', '408', '510', '602', '614', '615', '704', '718', '786', '801', '813', '858', '916', '919'])}${r.int(2, 9)}${r.digits(6)}`,
  },
  DE: {
    country: 'DE', countryName: 'Germany', tld: 'de', nounPosition: 'after', compoundLast: 0.05, compoundJoin: '-',
    first: words('Lukas,Jürgen,Jörg,Günter,Björn,Sören,Maximilian,Felix,Jonas,Leon,Paul,Finn,Anna,Lena,Hannah,Marie,Lara,Jana,Katharina,Sabine,Ute,Monika,Petra,Claudia,Käthe,Dörte,Uwe,Klaus,Stefan,Andreas,Matthias,Tobias,Sebastian,Florian,Markus,Jens,Birgit,Heike,Susanne,Anja,Nicole,Julia,Miriam,Henrik,Malte,Till'),
    last: words('Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Schäfer,Koch,Bauer,Richter,Klein,Wolf,Schröder,Neumann,Schwarz,Zimmermann,Braun,Krüger,Hartmann,Lange,Schmitt,Werner,Schmitz,Krause,Lehmann,Schulze,Köhler,Herrmann,König,Walter,Huber,Kaiser,Fuchs,Peters,Scholz,Möller,Weiß,Jung,Hahn,Vogel,Friedrich,Keller,Günther,Berger,Winkler,Roth,Beck,Lorenz,Baumann,Franke,Albrecht,Schuster,Ludwig,Böhm,Winter,Kraus,Schumacher,Krämer,Vogt,Stein,Jäger,Otto,Sommer,Groß,Seidel,Heinrich,Brandt,Haas,Schreiber,Graf,Dietrich,Ziegler,Kühn,Pohl,Engel,Horn,Busch,Bergmann,Voigt,Sauer,Arnold,Pfeiffer'),
    cities: words('Berlin,Hamburg,München,Köln,Frankfurt am Main,Stuttgart,Düsseldorf,Leipzig,Dortmund,Essen,Bremen,Dresden,Hannover,Nürnberg,Münster,Freiburg'),
    freeMail: words('gmail.com,web.de,gmx.de,t-online.de,freenet.de,posteo.de'),
    suffixes: words('GmbH,AG,KG,GmbH & Co. KG,UG'),
    nouns: words('Bau,Logistik,Technik,Maschinenbau,Elektro,Immobilien,Beratung,Software,Medien,Handel,Energie,Automobile,Versicherungen,Metallbau,Druck,Gartenbau'),
    titles: words('Vertriebsleitung,Einkauf,Geschäftsführung,Marketingleitung,Projektleitung,Assistenz der Geschäftsführung,Personalleitung'),
    mobile: (r) => `+49${r.pick(['151', '152', '160', '162', '170', '171', '172', '175', '176', '177', '178', '179'])}${r.digits(8)}`,
    landline: (r) => `+49${r.pick(['30', '40', '89', '221', '69', '711', '211', '341', '231'])}${r.digits(8)}`,
  },
  ES: {
    country: 'ES', countryName: 'Spain', tld: 'es', nounPosition: 'before', compoundLast: 0.55, compoundJoin: ' ',
    first: words('José,María,Antonio,Manuel,Francisco,Javier,Jesús,Ángel,Sofía,Lucía,Martina,Paula,Valeria,Daniela,Alejandro,Pablo,Álvaro,Adrián,Sergio,Raúl,Rubén,Iván,Óscar,Carmen,Pilar,Dolores,Ana,Marta,Elena,Cristina,Isabel,Nuria,Begoña,Inés,Andrés,Ramón,Joaquín,Tomás,Nicolás,Guillermo'),
    last: words('García,Rodríguez,González,Fernández,López,Martínez,Sánchez,Pérez,Gómez,Jiménez,Ruiz,Hernández,Díaz,Moreno,Muñoz,Álvarez,Romero,Alonso,Gutiérrez,Navarro,Torres,Domínguez,Vázquez,Ramos,Gil,Serrano,Blanco,Molina,Morales,Suárez,Ortega,Delgado,Castro,Ortiz,Rubio,Marín,Sanz,Núñez,Iglesias,Medina,Garrido,Cortés,Castillo,Santos,Lozano,Guerrero,Cano,Prieto,Méndez,Cruz,Calvo,Gallego,Vidal,León,Márquez,Herrera,Peña,Cabrera,Campos,Vega,Fuentes,Carrasco,Caballero,Nieto,Aguilar,Pascual,Santana,Herrero,Montero,Hidalgo,Ibáñez,Ferrer,Durán,Benítez,Vicente,Vargas,Arias,Carmona,Crespo,Román,Pastor,Soto,Sáez,Velasco,Moya,Soler,Parra,Esteban,Bravo,Gallardo,Rojas'),
    cities: words('Madrid,Barcelona,Valencia,Sevilla,Zaragoza,Málaga,Murcia,Palma,Bilbao,Alicante,Córdoba,Valladolid,Vigo,Gijón,Granada,A Coruña'),
    freeMail: words('gmail.com,hotmail.es,yahoo.es,outlook.es,telefonica.net'),
    suffixes: words('S.L.,S.A.,S.L.U.'),
    nouns: words('Construcciones,Transportes,Inmobiliaria,Distribuciones,Consultoría,Talleres,Instalaciones,Reformas,Asesoría,Comercial,Suministros,Logística'),
    titles: words('Responsable comercial,Responsable de compras,Gerencia,Responsable de marketing,Dirección de proyectos,Responsable de RR. HH.'),
    mobile: (r) => `+34${r.pick(['6', '7'])}${r.digits(8)}`,
    landline: (r) => `+349${r.digits(8)}`,
  },
  GB: {
    country: 'GB', countryName: 'United Kingdom', tld: 'co.uk', nounPosition: 'after', compoundLast: 0.04, compoundJoin: '-',
    first: words('Oliver,Harry,Jack,Charlie,Oscar,George,Alfie,Archie,Freddie,Amelia,Isla,Ava,Freya,Poppy,Evie,Florence,Imogen,Harriet,Rhys,Callum,Fiona,Siobhan,Niamh,Ewan,Hamish,Graham,Nigel,Gareth,Gemma,Kirsty,Lauren,Sian,Bethan,Duncan,Alistair,Rosie'),
    last: words('Smith,Jones,Williams,Taylor,Davies,Evans,Thomas,Roberts,Johnson,Lewis,Walker,Robinson,Wood,Thompson,Wright,Edwards,Hughes,Green,Hall,Lloyd,Jenkins,Owen,Price,Morgan,Harrison,Clarke,Ellis,Patel,Wilkinson,Marshall,Chapman,Knight,Fletcher,Pearson,Atkinson,MacDonald,Campbell,Stewart,Murray,Fraser,Pritchard,Ashworth,Whitfield,Hargreaves,Fairclough,Birch,Holloway'),
    cities: words('London,Manchester,Birmingham,Leeds,Glasgow,Liverpool,Bristol,Sheffield,Edinburgh,Cardiff,Leicester,Nottingham,Newcastle,Brighton,Oxford,Cambridge'),
    freeMail: words('gmail.com,btinternet.com,hotmail.co.uk,yahoo.co.uk,outlook.com'),
    suffixes: words('Ltd,PLC,LLP,Limited'),
    nouns: words('Consulting,Logistics,Engineering,Interiors,Builders,Solicitors,Estates,Print,Catering,Recruitment,Surveyors,Joinery'),
    titles: words('Sales Director,Buyer,Managing Director,Marketing Manager,Project Manager,Office Manager,Finance Director'),
    mobile: (r) => `+447${r.pick(['4', '5', '7', '8', '9'])}${r.digits(8)}`,
    landline: (r) => {
      const area = r.pick(['20', '121', '161', '113', '141', '117']);
      return `+44${area}${r.digits(10 - area.length)}`;
    },
  },
  IT: {
    country: 'IT', countryName: 'Italy', tld: 'it', nounPosition: 'after', compoundLast: 0.02, compoundJoin: ' ',
    first: words('Giuseppe,Giovanni,Mario,Luigi,Alessandro,Andrea,Marco,Matteo,Lorenzo,Niccolò,Luca,Davide,Federico,Giulia,Chiara,Francesca,Sara,Alessia,Elisa,Valentina,Giorgia,Aurora,Beatrice,Noemi,Ilaria,Gabriele,Simone,Pietro,Emanuele,Rocco'),
    last: words('Rossi,Russo,Ferrari,Esposito,Bianchi,Romano,Colombo,Ricci,Marino,Greco,Bruno,Gallo,Conti,De Luca,Mancini,Costa,Giordano,Rizzo,Lombardi,Moretti,Barbieri,Fontana,Santoro,Mariani,Rinaldi,Caruso,Ferrara,Galli,Martini,Leone,Longo,Gentile,Martinelli,Vitale,Lombardo,Serra,Coppola,De Santis,D\'Angelo,Marchetti,Parisi,Villa,Conte,Ferraro,Ferri,Fabbri,Bianco,Marini,Grasso,Valentini,Messina,Sala,De Angelis,Gatti,Pellegrini,Palumbo,Sanna,Farina,Rizzi,Monti,Cattaneo,Morelli,Amato,Silvestri,Mazza,Testa,Grassi,Carbone,Giuliani,Benedetti,Barone,Rossetti,Caputo,Montanari,Guerra,Palmieri,Bernardi,Fiore,De Rosa,Ferretti,Bellini,Basile,Riva,Donati,Piras,Vitali,Battaglia,Sartori,Neri,Milani,Pagano,Ruggiero,Sorrentino,Orlando,Negri'),
    cities: words('Roma,Milano,Napoli,Torino,Palermo,Genova,Bologna,Firenze,Bari,Catania,Venezia,Verona,Padova,Trieste,Brescia,Parma'),
    freeMail: words('gmail.com,libero.it,virgilio.it,tiscali.it,alice.it'),
    suffixes: words('S.r.l.,S.p.A.,S.n.c.'),
    nouns: words('Costruzioni,Trasporti,Immobiliare,Impianti,Consulenze,Meccanica,Informatica,Alimentari,Arredamenti,Servizi'),
    titles: words('Responsabile commerciale,Responsabile acquisti,Amministrazione,Responsabile marketing,Project manager'),
    mobile: (r) => `+393${r.digits(9)}`,
    landline: (r) => `+390${r.pick(['2', '6', '11', '51', '55'])}${r.digits(7)}`,
  },
};

const LEAD_STATUS = ['New', 'Assigned', 'In Process', 'Converted', 'Recycled', 'Dead'];
const LEAD_SOURCE = ['Call', 'Email', 'Existing Customer', 'Partner', 'Public Relations', 'Web Site', 'Campaign', 'Other'];
const ACCOUNT_TYPE = ['Customer', 'Investor', 'Partner', 'Reseller'];
const INDUSTRY = ['Advertising', 'Automotive', 'Banking', 'Construction', 'Consulting', 'Education', 'Energy', 'Finance', 'Healthcare', 'Insurance', 'Manufacturing', 'Retail', 'Software', 'Transportation'];

function cultureWeights(defaultCountry: string): [Culture, number][] {
  const base: Record<string, number> = { FR: 40, US: 25, DE: 10, ES: 10, GB: 8, IT: 7 };
  const lead = CULTURES[defaultCountry.toUpperCase()] ? defaultCountry.toUpperCase() : 'FR';
  if (lead !== 'FR') [base[lead], base.FR] = [base.FR!, base[lead]!];
  return Object.entries(base).map(([code, w]) => [CULTURES[code]!, w]);
}

// ---- uniqueness

/** Who owns a duplicate signal (email, phone, name key...): a record id, or its cluster's original. */
class SignalIndex {
  private readonly owners = new Map<string, string>();
  free(key: string, owner?: string): boolean {
    const current = this.owners.get(key);
    return current === undefined || current === owner;
  }
  claim(key: string, owner: string): void {
    this.owners.set(key, owner);
  }
}

const nameKey = (first: string, last: string) => `name:${[fold(first).trim(), fold(last).trim()].sort().join('|')}`;
const emailKey = (email: string) => `email:${email.trim().toLowerCase()}`;
const phoneKey = (phone: string) => `phone:${phone}`;
const ascii = (s: string) => fold(s).replace(/[^a-z0-9]+/g, '');
const stripAccents = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
const hasAccent = (s: string) => stripAccents(s) !== s;

// ---- building blocks

interface Person {
  culture: Culture;
  first: string;
  last: string;
  email: string | null;
  phone: string | null;
}

interface Company {
  culture: Culture;
  core: string;
  suffix: string;
  domain: string;
}

class Builder {
  readonly index = new SignalIndex();
  private readonly usedIds = new Set<string>();
  private readonly cultures: [Culture, number][];

  constructor(
    readonly r: Random,
    readonly now: number,
    defaultCountry: string,
  ) {
    this.cultures = cultureWeights(defaultCountry);
  }

  culture(): Culture {
    return this.r.weighted(this.cultures);
  }

  /** A person whose folded name, email and phone no other record uses. */
  person(owner: string, culture = this.culture()): Person {
    const { r } = this;
    for (let attempt = 0; ; attempt++) {
      const first = attempt > 12 && r.chance(0.5) ? `${r.pick(culture.first)}-${r.pick(culture.first)}` : r.pick(culture.first);
      let last = r.pick(culture.last);
      if (r.chance(culture.compoundLast) || attempt > 3) {
        const second = r.pick(culture.last);
        if (second !== last) last = `${last}${culture.compoundJoin}${second}`;
      }
      if (!this.index.free(nameKey(first, last))) continue;
      this.index.claim(nameKey(first, last), owner);
      const email = r.chance(0.92) ? this.email(owner, culture, first, last) : null;
      const phone = r.chance(0.85) ? this.phone(owner, culture, r.chance(0.8)) : null;
      return { culture, first, last, email, phone };
    }
  }

  /** A personal address: first/last at a company-looking domain or a local free-mail provider. */
  email(owner: string, culture: Culture, first: string, last: string): string {
    const { r } = this;
    const f = ascii(first);
    const l = ascii(last);
    const host = r.chance(0.55) ? `${ascii(r.pick(culture.last))}-${ascii(r.pick(culture.nouns))}.${culture.tld}` : r.pick(culture.freeMail);
    const locals = [`${f}.${l}`, `${f.charAt(0)}${l}`, `${f}-${l}`, `${l}.${f}`, `${f}${l}`, `${f}.${l}${r.int(1, 99)}`];
    for (let attempt = 0; ; attempt++) {
      const local = attempt < locals.length ? r.pick(locals) : `${f}.${l}${r.int(1, 9999)}`;
      const email = `${local}@${host}`;
      if (this.index.free(emailKey(email))) {
        this.index.claim(emailKey(email), owner);
        return email;
      }
    }
  }

  phone(owner: string, culture: Culture, mobile: boolean): string {
    for (;;) {
      const phone = mobile ? culture.mobile(this.r) : culture.landline(this.r);
      if (this.index.free(phoneKey(phone))) {
        this.index.claim(phoneKey(phone), owner);
        return phone;
      }
    }
  }

  company(owner: string, culture = this.culture()): Company {
    const { r } = this;
    for (;;) {
      const last = r.pick(culture.last);
      const noun = r.pick(culture.nouns);
      const pattern = r.int(0, 9);
      let core: string;
      if (pattern === 0) core = `${last} & ${r.pick(culture.last)}`;
      else if (pattern === 1 && culture.country === 'FR') core = `${last} ${r.pick(['Frères', '& Fils'])}`;
      else core = culture.nounPosition === 'before' ? `${noun} ${last}` : `${last} ${noun}`;
      const domain = `${ascii(core)}.${culture.tld}`;
      const key = `company:${ascii(core)}`;
      if (!this.index.free(key) || !this.index.free(`domain:${domain}`)) continue;
      this.index.claim(key, owner);
      this.index.claim(`domain:${domain}`, owner);
      return { culture, core, suffix: r.pick(culture.suffixes), domain };
    }
  }

  /** The shared mailbox and switchboard of a company (its domain is unique, so is the address). */
  companyContact(owner: string, company: Company): Contact {
    const { r } = this;
    let email: string | null = null;
    if (r.chance(0.8)) {
      email = `${r.pick(['contact', 'info', 'hello', 'office', 'sales'])}@${company.domain}`;
      this.index.claim(emailKey(email), owner);
    }
    return { email, phone: r.chance(0.9) ? this.phone(owner, company.culture, false) : null };
  }

  /** A creation moment in the past SPAN_YEARS years, and an id that grows with it. */
  stamp(after?: number): Stamp {
    const { r } = this;
    const earliest = after ?? this.now - SPAN_YEARS * YEAR_MS;
    const ms = Math.floor(earliest + r.next() * (this.now - earliest));
    for (;;) {
      const id = idAt(ms * 1000 + r.int(0, 999), r.next);
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return { id, createdAt: formatDateTime(new Date(ms)), ms };
      }
    }
  }
}

function addressData(email: string | null, phone: string | null, phoneType: string): RecordAttributes {
  return {
    emailAddress: email,
    emailAddressData: email ? [{ emailAddress: email, lower: email.toLowerCase(), primary: true, optOut: false, invalid: false }] : [],
    phoneNumber: phone,
    phoneNumberData: phone ? [{ phoneNumber: phone, type: phoneType, primary: true, optOut: false, invalid: false }] : [],
  };
}

function options(catalog: EntityCatalog | undefined, entityType: string, field: string, fallback: string[]): string[] {
  const list = catalog?.entityDefs(entityType)?.fields[field]?.options;
  const values = Array.isArray(list) ? list.filter((o): o is string => typeof o === 'string' && o !== '') : [];
  return values.length ? values : fallback;
}

// ---- records

interface Draft {
  record: RecordAttributes;
  ms: number;
  person?: Person;
  company?: Company;
}

interface Stamp {
  id: string;
  createdAt: string;
  ms: number;
}

function personRecord(b: Builder, stamp: Stamp, entityType: 'Lead' | 'Contact', person: Person, opts: GenerateOptions, accounts: Draft[]): Draft {
  const { r } = b;
  const record: RecordAttributes = {
    id: stamp.id,
    deleted: false,
    salutationName: null,
    firstName: person.first,
    lastName: person.last,
    name: `${person.first} ${person.last}`,
    title: r.chance(0.6) ? r.pick(person.culture.titles) : null,
    ...addressData(person.email, person.phone, 'Mobile'),
    addressCity: r.pick(person.culture.cities),
    addressCountry: person.culture.countryName,
    doNotCall: r.chance(0.03),
    description: null,
    createdAt: stamp.createdAt,
    modifiedAt: stamp.createdAt,
  };
  if (entityType === 'Lead') {
    record.status = r.weighted(options(opts.catalog, 'Lead', 'status', LEAD_STATUS).map((s, i) => [s, i === 0 ? 5 : i < 3 ? 3 : 1] as const));
    record.source = r.pick(options(opts.catalog, 'Lead', 'source', LEAD_SOURCE));
    const employer = r.chance(0.75) ? companyName(r, person.culture) : null;
    record.accountName = employer;
  } else {
    const account = accounts.length && r.chance(0.85) ? r.pick(accounts) : undefined;
    record.accountId = account ? (account.record.id as string) : null;
    record.accountName = account ? (account.record.name as string) : null;
  }
  return { record, ms: stamp.ms, person };
}

/** A free-text employer name for a lead (not a duplicate signal, so it may repeat). */
function companyName(r: Random, culture: Culture): string {
  const core = culture.nounPosition === 'before' ? `${r.pick(culture.nouns)} ${r.pick(culture.last)}` : `${r.pick(culture.last)} ${r.pick(culture.nouns)}`;
  return r.chance(0.7) ? `${core} ${r.pick(culture.suffixes)}` : core;
}

interface Contact {
  email: string | null;
  phone: string | null;
}

function accountRecord(b: Builder, stamp: Stamp, company: Company, opts: GenerateOptions, withSuffix: boolean, contact: Contact): Draft {
  const { r } = b;
  const record: RecordAttributes = {
    id: stamp.id,
    deleted: false,
    name: withSuffix ? `${company.core} ${company.suffix}` : company.core,
    website: `https://www.${company.domain}`,
    type: r.pick(options(opts.catalog, 'Account', 'type', ACCOUNT_TYPE)),
    industry: r.pick(options(opts.catalog, 'Account', 'industry', INDUSTRY)),
    ...addressData(contact.email, contact.phone, 'Office'),
    billingAddressCity: r.pick(company.culture.cities),
    billingAddressCountry: company.culture.countryName,
    description: null,
    createdAt: stamp.createdAt,
    modifiedAt: stamp.createdAt,
  };
  return { record, ms: stamp.ms, company };
}

// ---- variations

const KEYBOARD_NEIGHBOURS: Record<string, string> = {
  a: 'qsz', b: 'vn', c: 'xv', d: 'sf', e: 'rz', f: 'dg', g: 'fh', h: 'gj', i: 'uo', j: 'hk', k: 'jl', l: 'km', m: 'nl',
  n: 'bm', o: 'ip', p: 'ol', q: 'aw', r: 'et', s: 'ad', t: 'ry', u: 'yi', v: 'cb', w: 'qe', x: 'zc', y: 'tu', z: 'xe',
};

/** One-letter typo: a neighbouring key, a dropped letter, a doubled letter or two swapped letters. */
function typo(r: Random, word: string): string {
  const letters = word.split('').map((c, i) => (i > 0 && i < word.length - 1 && /\p{L}/u.test(c) && /\p{L}/u.test(word.charAt(i + 1)) ? i : -1)).filter((i) => i > 0);
  if (letters.length === 0) return `${word}${word.charAt(word.length - 1)}`;
  const i = r.pick(letters);
  const c = word.charAt(i);
  switch (r.int(0, 3)) {
    case 0: {
      const near = KEYBOARD_NEIGHBOURS[c.toLowerCase()];
      return near ? word.slice(0, i) + r.pick([...near]) + word.slice(i + 1) : word.slice(0, i) + word.slice(i + 1);
    }
    case 1:
      return word.slice(0, i) + word.slice(i + 1);
    case 2:
      return word.slice(0, i) + c + word.slice(i);
    default:
      return word.charAt(i + 1) === c ? word.slice(0, i) + word.slice(i + 1) : word.slice(0, i) + word.charAt(i + 1) + c + word.slice(i + 2);
  }
}

function caseVariant(r: Random, email: string): string {
  const [local, host] = email.split('@') as [string, string];
  const title = local.split(/([.-])/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return r.pick([`${title}@${host}`, email.toUpperCase(), `${title}@${host.charAt(0).toUpperCase()}${host.slice(1)}`]);
}

type NameVariation = 'none' | 'case' | 'accents-removed' | 'accents-added' | 'typo' | 'swap';
type ContactVariation = 'email-same' | 'email-case' | 'email-whitespace' | 'phone-same' | 'email-other';

/** A duplicate of a person record; returns the record and the variations it carries. */
function personDuplicate(b: Builder, entityType: 'Lead' | 'Contact', original: Draft, opts: GenerateOptions, accounts: Draft[]): { draft: Draft; variations: string[] } | undefined {
  const { r } = b;
  const p = original.person!;
  const owner = String(original.record.id);
  const accented = hasAccent(p.first) || hasAccent(p.last);
  const nameChoices: [NameVariation, number][] = [['none', 3], ['case', 2], ['typo', 3], ['swap', 1.5]];
  if (accented) nameChoices.push(['accents-removed', 3], ['accents-added', 2]);
  const nameVar = r.weighted(nameChoices);
  const fuzzyName = nameVar === 'typo' || nameVar === 'swap';
  const contactChoices: [ContactVariation, number][] = [];
  if (p.email) contactChoices.push(['email-same', 2], ['email-case', 3], ['email-whitespace', 1]);
  if (p.phone) contactChoices.push(['phone-same', 2]);
  if (!fuzzyName) contactChoices.push(['email-other', 2]);
  if (contactChoices.length === 0) return undefined;
  const contactVar = r.weighted(contactChoices);

  let first = p.first;
  let last = p.last;
  switch (nameVar) {
    case 'case':
      last = r.chance(0.6) ? last.toUpperCase() : last.toLowerCase();
      if (r.chance(0.3)) first = first.toLowerCase();
      break;
    case 'accents-removed':
      first = stripAccents(first);
      last = stripAccents(last);
      break;
    case 'accents-added':
      // The original is the plain spelling; the duplicate keeps the accents.
      original.record.firstName = stripAccents(p.first);
      original.record.lastName = stripAccents(p.last);
      original.record.name = `${original.record.firstName} ${original.record.lastName}`;
      break;
    case 'typo':
      if (r.chance(0.75)) last = typo(r, last);
      else first = typo(r, first);
      break;
    case 'swap':
      [first, last] = [last, first];
      break;
  }
  if (fold(first) === fold(p.first) && fold(last) === fold(p.last) && nameVar === 'typo') return undefined;
  const key = nameKey(first, last);
  if (!b.index.free(key, owner)) return undefined;

  let email: string | null = p.email;
  let phone: string | null = r.chance(0.5) ? p.phone : null;
  switch (contactVar) {
    case 'email-case':
      email = caseVariant(r, p.email!);
      break;
    case 'email-whitespace':
      email = r.pick([` ${p.email}`, `${p.email} `, ` ${p.email} `]);
      break;
    case 'phone-same':
      phone = p.phone;
      email = r.chance(0.6) ? b.email(owner, p.culture, first, last) : null;
      break;
    case 'email-other':
      email = b.email(owner, p.culture, first, last);
      phone = null;
      break;
  }
  b.index.claim(key, owner);
  const person: Person = { culture: p.culture, first, last, email, phone };
  const draft = personRecord(b, b.stamp(original.ms), entityType, person, opts, accounts);
  if (entityType === 'Contact' && original.record.accountId !== undefined) {
    draft.record.accountId = original.record.accountId;
    draft.record.accountName = original.record.accountName ?? null;
  }
  if (entityType === 'Lead' && r.chance(0.7)) draft.record.accountName = original.record.accountName ?? null;
  const variations = [`name:${nameVar}`, contactVar === 'phone-same' ? 'phone:same' : `email:${contactVar.slice(6)}`];
  if (contactVar !== 'phone-same' && phone === p.phone && phone) variations.push('phone:same');
  return { draft, variations };
}

type CompanyVariation = 'suffix-added' | 'suffix-removed' | 'case' | 'typo' | 'accents-removed';

function accountDuplicate(b: Builder, original: Draft, opts: GenerateOptions): { draft: Draft; variations: string[] } {
  const { r } = b;
  const company = original.company!;
  const hadSuffix = original.record.name !== company.core;
  const choices: [CompanyVariation, number][] = [[hadSuffix ? 'suffix-removed' : 'suffix-added', 4], ['case', 2], ['typo', 2]];
  if (hasAccent(company.core)) choices.push(['accents-removed', 2]);
  const variation = r.weighted(choices);
  let name = String(original.record.name);
  if (variation === 'suffix-removed') name = company.core;
  if (variation === 'suffix-added') name = `${company.core} ${company.suffix}`;
  if (variation === 'case') name = r.chance(0.5) ? name.toUpperCase() : name.toLowerCase();
  if (variation === 'typo') name = name.replace(company.core, typo(r, company.core));
  if (variation === 'accents-removed') name = stripAccents(name);
  const variations = [`company:${variation}`, 'website:same'];
  // Keep one more shared signal when there is one: the same phone or the same (case-varied) email.
  const email = original.record.emailAddress;
  const phone = original.record.phoneNumber;
  const contact: Contact = { email: null, phone: null };
  if (typeof phone === 'string' && (r.chance(0.5) || typeof email !== 'string')) {
    contact.phone = phone;
    variations.push('phone:same');
  } else if (typeof email === 'string') {
    contact.email = r.chance(0.5) ? caseVariant(r, email) : email;
    variations.push(contact.email === email ? 'email:same' : 'email:case');
  }
  const draft = accountRecord(b, b.stamp(original.ms), company, opts, hadSuffix, contact);
  draft.record.name = name;
  return { draft, variations };
}

// ---- assembly

function clusterCounts(opts: GenerateOptions): Record<GeneratedEntityType, number> {
  const sizes: Record<GeneratedEntityType, number> = { Lead: opts.leads, Contact: opts.contacts, Account: opts.accounts };
  const max = (n: number) => Math.floor(n / 3);
  if (opts.duplicateClusters === undefined) {
    // About 2% of the records; at least one cluster from 10 records on, so small demos have one.
    const pick = (n: number) => (n < 10 ? 0 : Math.min(max(n), Math.max(1, Math.round((n * 0.02) / 2.3))));
    return { Lead: pick(sizes.Lead), Contact: pick(sizes.Contact), Account: pick(sizes.Account) };
  }
  const total = sizes.Lead + sizes.Contact + sizes.Account;
  const counts: Record<GeneratedEntityType, number> = { Lead: 0, Contact: 0, Account: 0 };
  if (total === 0) return counts;
  const types: GeneratedEntityType[] = ['Lead', 'Contact', 'Account'];
  const shares = types.map((t) => (opts.duplicateClusters! * sizes[t]) / total);
  types.forEach((t, i) => (counts[t] = Math.floor(shares[i]!)));
  let left = opts.duplicateClusters - types.reduce((s, t) => s + counts[t], 0);
  const order = types.map((t, i) => [t, shares[i]! - Math.floor(shares[i]!)] as const).sort((a, b) => b[1] - a[1]);
  for (const [t] of order) if (left-- > 0) counts[t]++;
  for (const t of types) counts[t] = Math.min(counts[t], max(sizes[t]));
  return counts;
}

/** Plans cluster sizes (2 or 3) that fit into n records. */
function clusterSizes(r: Random, clusters: number, n: number): number[] {
  const sizes: number[] = [];
  let used = 0;
  for (let i = 0; i < clusters; i++) {
    const size = r.chance(0.3) && used + 3 + 2 * (clusters - i - 1) <= n ? 3 : 2;
    if (used + size > n) break;
    sizes.push(size);
    used += size;
  }
  return sizes;
}

export function generateDataset(opts: GenerateOptions): Dataset {
  for (const [name, value] of [['leads', opts.leads], ['contacts', opts.contacts], ['accounts', opts.accounts]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  }
  const r = new Random(mulberry32(opts.seed));
  const b = new Builder(r, opts.now?.getTime() ?? DEFAULT_NOW, opts.defaultCountry ?? 'FR');
  const counts = clusterCounts(opts);
  const clusters: DuplicateCluster[] = [];

  const build = (entityType: GeneratedEntityType, n: number, make: () => Draft, duplicate: (original: Draft) => { draft: Draft; variations: string[] } | undefined): Draft[] => {
    const sizes = clusterSizes(r, counts[entityType], n);
    const extra = sizes.reduce((s, size) => s + size - 1, 0);
    const drafts: Draft[] = [];
    for (let i = 0; i < n - extra; i++) drafts.push(make());
    const originals = [...drafts];
    let remaining = extra;
    for (const size of sizes) {
      const original = originals.splice(r.int(0, originals.length - 1), 1)[0]!;
      const ids = [String(original.record.id)];
      const variations = new Set<string>();
      for (let k = 1; k < size; k++) {
        let made: { draft: Draft; variations: string[] } | undefined;
        for (let attempt = 0; attempt < 20 && !made; attempt++) made = duplicate(original);
        if (!made) break;
        drafts.push(made.draft);
        ids.push(String(made.draft.record.id));
        made.variations.forEach((v) => variations.add(v));
        remaining--;
      }
      if (ids.length > 1) clusters.push({ entityType, ids, variations: [...variations].sort() });
    }
    for (; remaining > 0; remaining--) drafts.push(make()); // clusters that could not be varied
    return drafts.sort((x, y) => x.ms - y.ms || String(x.record.id).localeCompare(String(y.record.id)));
  };

  const accounts = build(
    'Account',
    opts.accounts,
    () => {
      const stamp = b.stamp();
      const company = b.company(stamp.id);
      return accountRecord(b, stamp, company, opts, r.chance(0.8), b.companyContact(stamp.id, company));
    },
    (original) => accountDuplicate(b, original, opts),
  );
  const people = (entityType: 'Lead' | 'Contact', n: number) =>
    build(
      entityType,
      n,
      () => {
        const stamp = b.stamp();
        return personRecord(b, stamp, entityType, b.person(stamp.id), opts, accounts);
      },
      (original) => personDuplicate(b, entityType, original, opts, accounts),
    );
  const leads = people('Lead', opts.leads);
  const contacts = people('Contact', opts.contacts);

  const records = {
    Lead: leads.map((d) => d.record),
    Contact: contacts.map((d) => d.record),
    Account: accounts.map((d) => d.record),
  };
  return { records, truth: { clusters } };
}
