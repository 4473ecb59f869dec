"""Elections: key ceremony, credential-signed encrypted ballots, homomorphic tally, threshold decryption, verifier."""
