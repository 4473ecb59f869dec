"""Bulletproofs (Bünz et al., IEEE S&P 2018): ``v_j ∈ [0, 2^n)`` for n ∈ {8,16,32,64}, any aggregation m.

=============================  ==================================================
:mod:`.bulletproofs`           prover, verifier, batch verification
:mod:`.inner_product`          the inner-product argument (§3)
:mod:`.proof`                  the proof object and its byte layout
:mod:`.generators`             ``G_i, H_i`` by hash-to-curve from a public label
=============================  ==================================================

Hazardous material: the recipes in :mod:`zkmed.proofs` wrap this with
intervals, predicates and one calling convention.
"""
