#!/usr/bin/env python3
"""Writes scripts/speech_shapes/<name>.json: the config and the tensor shapes of a
speech encoder at its real size (the shapes of scripts/make_speech_encoder_fixtures.py,
weight norm in the weight_g/weight_v spelling), so that a host with torch but without
transformers (a GPU host) can make a random model of that shape with
scripts/make_random_speech_model.py. Needs the project venv (transformers).

  scripts/make_speech_shapes.py [--names wav2vec2-base wavlm-base-plus]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_speech_encoder_fixtures as fixtures  # noqa: E402
import transformers  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", nargs="+", default=["wav2vec2-base", "wavlm-base-plus"])
    args = ap.parse_args()
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "speech_shapes")
    os.makedirs(out_dir, exist_ok=True)
    for name in args.names:
        config = fixtures.build_config(name, real=True)
        model = fixtures.BARE[type(config)](config)
        tensors = fixtures.state_dict_for(model, "legacy")
        doc = {"made_by": f"scripts/make_speech_shapes.py, transformers {transformers.__version__}",
               "config": config.to_dict(), "tensors": {k: list(v.shape) for k, v in tensors.items()}}
        with open(os.path.join(out_dir, name + ".json"), "w") as out:
            json.dump(doc, out, indent=1, sort_keys=True)
            out.write("\n")
        print(f"{name}: {len(tensors)} tensors, {sum(v.numel() for v in tensors.values())} values")


if __name__ == "__main__":
    main()
