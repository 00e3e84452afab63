#!/usr/bin/env python3
"""Reads FILE.safetensors with the `safetensors` package and prints JSON
{"metadata": {...}, "tensors": {name: {"dtype", "shape", "values"}}} (values
flattened, as Python floats, or ints for integer and bool tensors). Used by tests/io/safetensors_writer_test.cc
to check that files merhan writes open in the reference reader.

usage: read_safetensors.py FILE.safetensors
"""
import json
import sys

import torch
from safetensors import safe_open

out = {"metadata": {}, "tensors": {}}
with safe_open(sys.argv[1], framework="pt") as f:
    out["metadata"] = f.metadata() or {}
    for name in f.keys():
        t = f.get_tensor(name)
        values = t.flatten().to(torch.float64 if t.is_floating_point() else torch.int64)  # bool -> 0/1
        out["tensors"][name] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                                "values": values.tolist()}
print(json.dumps(out))
