// The service navigation for each type of organisation. Only features that exist are listed.
import type { OrganisationType } from '../../db/schema.ts';

export interface NavigationItem {
  href: string;
  text: string;
  active?: boolean;
}

const BY_TYPE: Record<OrganisationType, NavigationItem[]> = {
  provider: [
    { href: '/', text: 'Home' },
    { href: '/trainees', text: 'Trainees' },
    { href: '/placements', text: 'Placements offered by schools' },
    { href: '/uploads', text: 'Uploads' },
    { href: '/organisation', text: 'Your organisation' },
  ],
  school: [
    { href: '/', text: 'Home' },
    { href: '/school/placements', text: 'Placements' },
    { href: '/school/ects', text: 'Early-career teachers' },
    { href: '/organisation', text: 'Your organisation' },
  ],
  appropriate_body: [
    { href: '/', text: 'Home' },
    { href: '/induction', text: 'Early-career teachers' },
    { href: '/induction/tasks', text: 'Tasks from schools' },
    { href: '/organisation', text: 'Your organisation' },
  ],
  support: [
    { href: '/', text: 'Home' },
    { href: '/support/organisations', text: 'Organisations' },
    { href: '/support/sign-offs', text: 'Sign-off' },
    { href: '/support/teachers', text: 'Induction' },
    { href: '/support/audit-log', text: 'Audit log' },
    { href: '/support/outbox', text: 'Emails sent' },
    { href: '/organisation', text: 'Your organisation' },
  ],
};

export function navigationFor(type: OrganisationType | undefined, url: string): NavigationItem[] {
  if (!type) return [];
  const path = url.split('?')[0];
  return BY_TYPE[type].map((item) => ({
    ...item,
    active: item.href === '/' ? path === '/' : path === item.href || path.startsWith(`${item.href}/`),
  }));
}
