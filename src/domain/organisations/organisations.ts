// Organisations: providers, schools, appropriate bodies and support.

import type { Kysely } from 'kysely';
import { containing } from '../../db/like.ts';
import type { AppropriateBodyType, DB, Organisation, OrganisationType, ProviderType } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { recordEvents } from '../audit/events.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { normalisePostcode, normaliseProviderCode, normaliseUkprn, normaliseUrn } from '../identifiers.ts';
import { type ActorOrSystem, isSupport, SYSTEM } from './actor.ts';

export const ORGANISATION_TYPE_NAMES: Record<OrganisationType, string> = {
  provider: 'ITT provider',
  school: 'School',
  appropriate_body: 'Appropriate body',
  support: 'Support',
};

export const PROVIDER_TYPE_NAMES: Record<ProviderType, string> = {
  scitt: 'SCITT (school-centred)',
  hei: 'HEI (university)',
};

export const APPROPRIATE_BODY_TYPE_NAMES: Record<AppropriateBodyType, string> = {
  teaching_school_hub: 'Teaching school hub',
  local_authority: 'Local authority',
  national: 'National',
};

export interface OrganisationInput {
  type: OrganisationType;
  name?: string;
  providerType?: ProviderType;
  ukprn?: string;
  providerCode?: string;
  urn?: string;
  appropriateBodyType?: AppropriateBodyType;
  /** Where the organisation is, so schools can find a provider by postcode. */
  postcode?: string;
}

/** Checks and normalises what is needed to create an organisation of the given type. */
async function validateOrganisation(db: Kysely<DB>, input: OrganisationInput) {
  const values = {
    type: input.type,
    name: input.name?.trim() ?? '',
    provider_type: null as ProviderType | null,
    ukprn: null as string | null,
    provider_code: null as string | null,
    urn: null as string | null,
    appropriate_body_type: null as AppropriateBodyType | null,
    postcode: null as string | null,
  };
  if (!(input.type in ORGANISATION_TYPE_NAMES)) throw new DomainError('Select the type of organisation', 'type');
  if (input.ukprn?.trim()) {
    values.ukprn = normaliseUkprn(input.ukprn) ?? null;
    if (!values.ukprn) throw new DomainError('Enter a UKPRN of 8 digits starting with 1, like 10012345', 'ukprn');
  }
  if (input.type === 'provider') {
    if (!input.providerType || !(input.providerType in PROVIDER_TYPE_NAMES)) {
      throw new DomainError('Select whether the provider is a SCITT or an HEI', 'providerType');
    }
    values.provider_type = input.providerType;
    if (!values.ukprn) throw new DomainError('Enter the provider’s UKPRN', 'ukprn');
    if (input.providerCode?.trim()) {
      values.provider_code = normaliseProviderCode(input.providerCode) ?? null;
      if (!values.provider_code) {
        throw new DomainError('Enter a provider code of 3 letters or digits, like 1DS', 'providerCode');
      }
    }
  }
  if (input.type === 'school') {
    const urn = normaliseUrn(input.urn ?? '');
    if (!urn) throw new DomainError('Enter a URN of 6 digits, like 100001', 'urn');
    const school = await db.selectFrom('schools').select('name').where('urn', '=', urn).executeTakeFirst();
    if (!school) {
      throw new DomainError(`No school with URN ${urn} is in the schools register: import it first`, 'urn');
    }
    values.urn = urn;
    values.name ||= school.name;
  }
  if (input.type === 'appropriate_body') {
    if (!input.appropriateBodyType || !(input.appropriateBodyType in APPROPRIATE_BODY_TYPE_NAMES)) {
      throw new DomainError('Select the kind of appropriate body', 'appropriateBodyType');
    }
    values.appropriate_body_type = input.appropriateBodyType;
  }
  if (input.postcode?.trim()) {
    values.postcode = normalisePostcode(input.postcode) ?? null;
    if (!values.postcode) throw new DomainError('Enter a full UK postcode, like LS1 4AB', 'postcode');
  }
  if (!values.name) throw new DomainError('Enter the organisation’s name', 'name');
  if (values.name.length > 200) throw new DomainError('Organisation name must be 200 characters or fewer', 'name');

  const clash = await db
    .selectFrom('organisations')
    .select(['name', 'ukprn', 'provider_code', 'urn'])
    .where((eb) =>
      eb.or([
        eb('ukprn', '=', values.ukprn ?? ''),
        eb('provider_code', '=', values.provider_code ?? ''),
        eb('urn', '=', values.urn ?? ''),
      ]),
    )
    .executeTakeFirst();
  if (clash) {
    if (values.ukprn && clash.ukprn === values.ukprn) {
      throw new DomainError(`${clash.name} already has UKPRN ${values.ukprn}`, 'ukprn');
    }
    if (values.provider_code && clash.provider_code === values.provider_code) {
      throw new DomainError(`${clash.name} already has provider code ${values.provider_code}`, 'providerCode');
    }
    throw new DomainError(`${clash.name} is already signed up with URN ${values.urn}`, 'urn');
  }
  return values;
}

export async function createOrganisation(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  input: OrganisationInput,
  via = 'page',
): Promise<Organisation> {
  if (actor !== SYSTEM && !isSupport(actor)) throw new NotFoundError('Page');
  return inTransaction(db, async (tx) => {
    const values = await validateOrganisation(tx, input);
    const organisation = await tx.insertInto('organisations').values(values).returningAll().executeTakeFirstOrThrow();
    const changes = Object.fromEntries(
      Object.entries(values)
        .filter(([, value]) => value !== null)
        .map(([key, value]) => [key, { to: value }]),
    );
    await recordEvents(tx, actor, via, [
      {
        organisationId: organisation.id,
        subjectType: 'organisation',
        subjectId: organisation.id,
        action: 'created',
        changes,
      },
    ]);
    return organisation;
  });
}

export async function findOrganisation(db: Kysely<DB>, id: string): Promise<Organisation | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/**
 * Finds one organisation from what an operator would type: a UKPRN, URN, provider
 * code, exact name or id. Refuses an ambiguous reference rather than guessing.
 */
export async function findOrganisationByReference(db: Kysely<DB>, reference: string): Promise<Organisation> {
  const ref = reference.trim();
  const code = normaliseProviderCode(ref);
  const matches = await db
    .selectFrom('organisations')
    .selectAll()
    .where((eb) =>
      eb.or([
        ...(isUuid(ref) ? [eb('id', '=', ref)] : []),
        eb('ukprn', '=', ref),
        eb('urn', '=', ref),
        ...(code ? [eb('provider_code', '=', code)] : []),
        eb(eb.fn('lower', ['name']), '=', ref.toLowerCase()),
      ]),
    )
    .limit(2)
    .execute();
  if (matches.length === 0) throw new DomainError(`No organisation matches "${ref}"`);
  if (matches.length > 1) {
    throw new DomainError(`More than one organisation matches "${ref}": use its UKPRN, URN or id`);
  }
  return matches[0];
}

export const ORGANISATIONS_PAGE_SIZE = 25;

/** Support users' search: by name, UKPRN, URN or provider code. */
export async function searchOrganisations(
  db: Kysely<DB>,
  { query, page }: { query?: string; page: number },
): Promise<{ organisations: Organisation[]; total: number }> {
  let q = db.selectFrom('organisations');
  const text = query?.trim();
  if (text) {
    const like = containing(text);
    q = q.where((eb) =>
      eb.or([
        eb('name', 'ilike', like),
        eb('ukprn', '=', text),
        eb('urn', '=', text),
        eb('provider_code', '=', text.toUpperCase()),
      ]),
    );
  }
  const [organisations, count] = await Promise.all([
    q
      .selectAll()
      .orderBy('name')
      .limit(ORGANISATIONS_PAGE_SIZE)
      .offset((page - 1) * ORGANISATIONS_PAGE_SIZE)
      .execute(),
    q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { organisations, total: Number(count.n) };
}

export interface OrganisationDetails extends Organisation {
  school: { postcode: string | null; phase: string | null; localAuthority: string | null } | null;
}

/** An organisation with what the schools register holds about it, when it is a school. */
export async function findOrganisationDetails(db: Kysely<DB>, id: string): Promise<OrganisationDetails | undefined> {
  const organisation = await findOrganisation(db, id);
  if (!organisation) return undefined;
  const school = organisation.urn
    ? await db
        .selectFrom('schools')
        .select(['postcode', 'phase', 'local_authority as localAuthority'])
        .where('urn', '=', organisation.urn)
        .executeTakeFirst()
    : undefined;
  return { ...organisation, school: school ?? null };
}
