#!/usr/bin/env python3
"""Writes OUT.safetensors with the `safetensors` package: one tensor per dtype the
reader supports, values arange(n) * 0.25 - 1 reshaped to (2, 3) (I64: arange(6) - 2),
plus __metadata__ {"format": "pt"}. Used by tests/io/safetensors_test.cc.

usage: make_safetensors_dtypes.py OUT.safetensors
"""
import sys

import torch
from safetensors.torch import save_file

base = torch.arange(6, dtype=torch.float64).reshape(2, 3) * 0.25 - 1
tensors = {
    "f32": base.to(torch.float32),
    "f16": base.to(torch.float16),
    "bf16": base.to(torch.bfloat16),
    "f64": base,
    "i64": torch.arange(6, dtype=torch.int64).reshape(2, 3) - 2,
    "block.inner.weight": torch.ones(4, dtype=torch.float32),
    "empty": torch.zeros(0, 5, dtype=torch.float32),
}
save_file(tensors, sys.argv[1], metadata={"format": "pt"})
