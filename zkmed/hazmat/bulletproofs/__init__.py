"""Bulletproofs (Bünz et al., IEEE S&P 2018): ``v_j ∈ [0, 2^n)`` for n ∈ {8,16,32,64}, any aggregation m.

The protocol and its public names are in :mod:`.bulletproofs`.  Hazardous material:
the recipes in :mod:`zkmed.proofs` wrap it with intervals, predicates and one calling convention.
"""
