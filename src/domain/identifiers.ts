// Identifier formats from SPEC.md: normalise on input, keep leading zeros.
// Each returns the normalised value, or undefined when the input is not valid.

const strip = (value: string) => value.trim().replace(/\s+/g, '');

export function normaliseUrn(value: string): string | undefined {
  const urn = strip(value);
  return /^\d{6}$/.test(urn) ? urn : undefined;
}

/** Why a text is not a URN, as every page and sheet says it. */
export function notAUrnMessage(text: string): string {
  return `"${text.trim()}" is not a URN. A URN is 6 digits, like 100001`;
}

export function normaliseUkprn(value: string): string | undefined {
  const ukprn = strip(value);
  return /^1\d{7}$/.test(ukprn) ? ukprn : undefined;
}

export function normaliseProviderCode(value: string): string | undefined {
  const code = strip(value).toUpperCase();
  return /^[A-Z0-9]{3}$/.test(code) ? code : undefined;
}

/** UK postcode, upper case with one space before the inward code. */
export function normalisePostcode(value: string): string | undefined {
  const compact = strip(value).toUpperCase();
  const match = /^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$/.exec(compact);
  return match ? `${match[1]} ${match[2]}` : undefined;
}

/** A deliberately plain check: one @, something either side, a dot in the domain, no spaces. */
export function normaliseEmail(value: string): string | undefined {
  const email = value.trim();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : undefined;
}
