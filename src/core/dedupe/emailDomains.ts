/**
 * Email domains that say nothing about who employs a person: consumer mailboxes shared by millions,
 * and the reserved example/test domains (RFC 2606, RFC 6761) that demo and test data use.
 * Two people sharing one of these domains are not thereby colleagues.
 */

const FREE_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'ymail.com', 'rocketmail.com', 'aol.com', 'aim.com', 'msn.com',
  'icloud.com', 'me.com', 'mac.com', 'mail.com', 'email.com', 'gmx.com', 'gmx.net', 'gmx.de', 'gmx.fr',
  'gmx.at', 'gmx.ch', 'web.de', 't-online.de', 'freenet.de', 'arcor.de', 'posteo.de', 'mailbox.org',
  'orange.fr', 'wanadoo.fr', 'free.fr', 'sfr.fr', 'neuf.fr', 'laposte.net', 'bbox.fr', 'numericable.fr',
  'club-internet.fr', 'aliceadsl.fr', 'libertysurf.fr', 'noos.fr', 'cegetel.net', 'skynet.be',
  'telenet.be', 'bluewin.ch', 'libero.it', 'virgilio.it', 'tiscali.it', 'alice.it', 'tin.it',
  'terra.com', 'uol.com.br', 'bol.com.br', 'protonmail.com', 'protonmail.ch', 'proton.me', 'pm.me',
  'tutanota.com', 'tuta.io', 'zoho.com', 'zohomail.com', 'yandex.com', 'yandex.ru', 'ya.ru', 'mail.ru',
  'inbox.ru', 'list.ru', 'bk.ru', 'rambler.ru', 'qq.com', '163.com', '126.com', 'sina.com', 'naver.com',
  'hanmail.net', 'daum.net', 'rediffmail.com', 'comcast.net', 'verizon.net', 'att.net', 'sbcglobal.net',
  'bellsouth.net', 'cox.net', 'charter.net', 'earthlink.net', 'btinternet.com', 'sky.com',
  'virginmedia.com', 'ntlworld.com', 'talktalk.net', 'shaw.ca', 'rogers.com', 'sympatico.ca',
  'bigpond.com', 'optusnet.com.au', 'xtra.co.nz', 'seznam.cz', 'centrum.cz', 'wp.pl', 'o2.pl',
  'onet.pl', 'interia.pl', 'hush.com', 'fastmail.com', 'fastmail.fm', 'hey.com', 'duck.com',
  // Internet providers' consumer mailboxes.
  'telefonica.net', 'movistar.es', 'terra.es', 'ono.com', 'euskaltel.net', 'jazztel.es', 'online.de',
  'vodafone.de', 'kabelmail.de', 'ziggo.nl', 'kpnmail.nl', 'planet.nl', 'home.nl', 'xs4all.nl',
  'tiscali.co.uk', 'blueyonder.co.uk', 'fastwebnet.it', 'tim.it', 'inwind.it', 'iol.it', 'sapo.pt',
  'netcabo.pt', 'hispeed.ch', 'sunrise.ch', 'chello.at', 'aon.at', 'a1.net', 'videotron.ca',
]);

// Providers with one domain per country (yahoo.fr, hotmail.co.uk, outlook.de, live.nl...).
const FREE_MAIL_FAMILIES = /^(yahoo|hotmail|outlook|live|windowslive|aol|gmx|yandex)\.[a-z.]+$/;

const RESERVED_DOMAINS = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost|local)$/;

/** True when sharing this domain is no evidence that two people work for the same organisation. */
export function isNonCorporateDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  return FREE_MAIL_DOMAINS.has(d) || FREE_MAIL_FAMILIES.test(d) || RESERVED_DOMAINS.test(d);
}
