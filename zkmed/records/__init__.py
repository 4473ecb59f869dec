"""Medical records: FHIR credentials, selective disclosure with predicate proofs, consent, access audit, sharing."""
