"""Bulletproofs (Bünz et al., IEEE S&P 2018): ``v_j ∈ [0, 2^n)`` for n ∈ {8,16,32,64}, any aggregation m.

=============================  ==================================================
:mod:`.bulletproofs`           the protocol (docstring) and the public names
:mod:`.prover`                 the prover, constant-time in the secrets
:mod:`.verifier`               the one-MSM verifier and batch verification
:mod:`.inner_product`          the inner-product argument (§3)
:mod:`.proof`                  the proof object, its byte layout, the statement transcript
:mod:`.checks`                 argument / proof-field checks and the error rule
:mod:`.generators`             ``G_i, H_i`` by hash-to-curve from a public label
=============================  ==================================================

Hazardous material: the recipes in :mod:`zkmed.proofs` wrap this with
intervals, predicates and one calling convention.
"""
