/**
 * Locale data of the generator: per country, first and last names, cities, mail providers, company
 * suffixes and nouns, job titles and phone formats; the default option lists; the culture mix.
 */
import type { Random } from './random.js';

export interface Culture {
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

export const LEAD_STATUS = ['New', 'Assigned', 'In Process', 'Converted', 'Recycled', 'Dead'];
export const LEAD_SOURCE = ['Call', 'Email', 'Existing Customer', 'Partner', 'Public Relations', 'Web Site', 'Campaign', 'Other'];
export const ACCOUNT_TYPE = ['Customer', 'Investor', 'Partner', 'Reseller'];
export const INDUSTRY = ['Advertising', 'Automotive', 'Banking', 'Construction', 'Consulting', 'Education', 'Energy', 'Finance', 'Healthcare', 'Insurance', 'Manufacturing', 'Retail', 'Software', 'Transportation'];

export function cultureWeights(defaultCountry: string): [Culture, number][] {
  const base: Record<string, number> = { FR: 40, US: 25, DE: 10, ES: 10, GB: 8, IT: 7 };
  const lead = CULTURES[defaultCountry.toUpperCase()] ? defaultCountry.toUpperCase() : 'FR';
  if (lead !== 'FR') [base[lead], base.FR] = [base.FR!, base[lead]!];
  return Object.entries(base).map(([code, w]) => [CULTURES[code]!, w]);
}
