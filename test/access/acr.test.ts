import { describe, expect, it } from 'vitest';
import { ACR_MFA } from '../../src/access/acr.js';
import * as journey from '../../src/interaction/complete-sign-in.js';

describe('the MFA acr', () => {
  it('is the one the sign-in journey asserts for trusted upstream MFA', () => {
    expect(ACR_MFA).toBe(journey.ACR_MFA);
  });
});
