import { resolve } from 'node:path';

/** Where the shared reference material lives (VERDICT_SHARED_DIR overrides, as for the eval data). */
export const SHARED_DIR = process.env.VERDICT_SHARED_DIR ?? resolve(import.meta.dirname, '../../../../shared');
export const SHARED_SPECS = resolve(SHARED_DIR, 'specs');
export const MICROSOFT_FIXTURES = resolve(SHARED_DIR, 'fixtures/microsoft');
export const ARM_SPEC_DIR = resolve(SHARED_SPECS, 'microsoft/sentinel-arm/specification/securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01');
