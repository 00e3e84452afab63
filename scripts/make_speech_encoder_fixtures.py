#!/usr/bin/env python3
"""Random self-supervised speech encoders (wav2vec 2.0, HuBERT, WavLM, data2vec-audio)
built from configs with transformers (no hub, no network), saved as Hugging Face model
directories, with transformers' own outputs for a few clips: the parity fixtures of
tests/speech (docs/speech_encoders.md).

For each variant it writes <out>/<name>/ (config.json, weights, maybe
preprocessor_config.json) and <out>/<name>/reference/<clip>.{hidden_states,last_hidden_state}.npy:
every entry of `hidden_states` (output_hidden_states=True, eval mode, fp32, eager
attention) stacked as (L+1, T, H), and `last_hidden_state` (T, H), computed from the
raw clip through Wav2Vec2FeatureExtractor (the directory's preprocessor_config.json,
or its defaults when the directory has none). The clips are 16 kHz float WAVs in
<out>/clips/. <out>/wavlm_buckets.npy holds WavLMAttention._relative_positions_bucket
over relative positions -2000..2000 for a few (num_buckets, max_distance) pairs.
<out>/manifest.json records the variants, the clips and the versions of transformers,
torch and numpy, and this script's SHA-256 (the tests regenerate when it changes).

Every LayerNorm/GroupNorm/BatchNorm affine parameter, every bias, the positional
convolution's weight-norm magnitude g and WavLM's gate constant are randomised: their
1/0 defaults (and g = |v|) would hide a missing or misplaced operation.

Shapes: small versions of wav2vec2-base, wav2vec2-large-lv60, hubert-base,
hubert-large, wavlm-base-plus, wavlm-large and data2vec-audio-base (2-3 layers, hidden
32, small conv dims, the real conv kernels/strides and every real flag), or with
--real-shapes the real sizes (slow; MERHAN_REAL_SHAPES=1 in the tests).

usage: make_speech_encoder_fixtures.py --out DIR [--real-shapes]
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile

import numpy as np
import scipy.io.wavfile
import torch
import transformers
from safetensors.torch import save_file
from transformers import (Data2VecAudioConfig, Data2VecAudioModel, HubertConfig, HubertForSequenceClassification,
                          HubertModel, Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2ForSequenceClassification,
                          Wav2Vec2Model, WavLMConfig, WavLMForCTC, WavLMModel)
from transformers.models.wavlm.modeling_wavlm import WavLMAttention

RATE = 16000
# Real shapes (hub configs). Anything not listed is the config class's default.
BASE = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)
LARGE = dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096)
GROUP = dict(feat_extract_norm="group", conv_bias=False, do_stable_layer_norm=False)
LAYER_STABLE = dict(feat_extract_norm="layer", conv_bias=True, do_stable_layer_norm=True)
SHAPES = {
    "wav2vec2-base": (Wav2Vec2Config, dict(**BASE, **GROUP)),
    "wav2vec2-large-lv60": (Wav2Vec2Config, dict(**LARGE, **LAYER_STABLE)),
    "hubert-base": (HubertConfig, dict(**BASE, **GROUP)),
    "hubert-large": (HubertConfig, dict(**LARGE, **LAYER_STABLE)),
    "wavlm-base-plus": (WavLMConfig, dict(**BASE, **GROUP, num_buckets=320, max_bucket_distance=800)),
    "wavlm-large": (WavLMConfig, dict(**LARGE, **LAYER_STABLE, num_buckets=320, max_bucket_distance=800)),
    "data2vec-audio-base": (Data2VecAudioConfig, dict(**BASE, conv_bias=True, num_conv_pos_embeddings=5,
                                                     conv_pos_kernel_size=19, num_conv_pos_embedding_groups=16)),
    # Not a hub model: HuBERT's other positional branch (BatchNorm, no weight norm)
    # and no feature-projection LayerNorm, on a layer-norm front end.
    "hubert-bn": (HubertConfig, dict(**BASE, feat_extract_norm="layer", conv_bias=True, conv_pos_batch_norm=True,
                                     feat_proj_layer_norm=False, layer_norm_eps=1e-3)),
}
# Small versions: same flags, kernels, strides and positional settings.
SMALL = dict(hidden_size=32, num_attention_heads=4, intermediate_size=48, conv_dim=[16, 16, 16, 16, 16, 16, 24])

# name -> (shape, how it is saved). weight_norm: "parametrizations"
# (parametrizations.weight.original0/1, what transformers 5 writes) or "legacy"
# (weight_g/weight_v); head: the task class whose checkpoint is saved (keys with the
# base-model prefix plus head keys), or None for the bare model.
VARIANTS = {
    "wav2vec2-base": dict(shape="wav2vec2-base", file="model.safetensors", weight_norm="parametrizations",
                          head=None, preprocessor=dict(do_normalize=True, return_attention_mask=False)),
    "wav2vec2-base-cls-legacy": dict(shape="wav2vec2-base", file="pytorch_model.bin", weight_norm="legacy",
                                     head=Wav2Vec2ForSequenceClassification, preprocessor=None,
                                     head_config=dict(use_weighted_layer_sum=True, classifier_proj_size=20)),
    "wav2vec2-large-lv60": dict(shape="wav2vec2-large-lv60", file="model.safetensors", weight_norm="legacy",
                                head=None, preprocessor=dict(do_normalize=True, return_attention_mask=True)),
    "hubert-base": dict(shape="hubert-base", file="model.safetensors", weight_norm="parametrizations",
                        head=None, preprocessor=None),
    "hubert-large": dict(shape="hubert-large", file="model.safetensors", weight_norm="parametrizations",
                         head=HubertForSequenceClassification,
                         preprocessor=dict(do_normalize=True, return_attention_mask=True),
                         head_config=dict(use_weighted_layer_sum=False)),
    "hubert-bn": dict(shape="hubert-bn", file="model.safetensors", weight_norm=None, head=None,
                      preprocessor=dict(do_normalize=False, return_attention_mask=True)),
    "wavlm-base-plus": dict(shape="wavlm-base-plus", file="model.safetensors", weight_norm="legacy", head=None,
                            preprocessor=dict(do_normalize=False, return_attention_mask=True)),
    "wavlm-large": dict(shape="wavlm-large", file="pytorch_model.bin", weight_norm="parametrizations",
                        head=WavLMForCTC, preprocessor=dict(do_normalize=True, return_attention_mask=True)),
    "data2vec-audio-base": dict(shape="data2vec-audio-base", file="model.safetensors", weight_norm=None, head=None,
                                preprocessor=dict(do_normalize=True, return_attention_mask=True)),
}
BARE = {Wav2Vec2Config: Wav2Vec2Model, HubertConfig: HubertModel, WavLMConfig: WavLMModel,
        Data2VecAudioConfig: Data2VecAudioModel}
PREFIX = {Wav2Vec2Config: "wav2vec2", HubertConfig: "hubert", WavLMConfig: "wavlm",
          Data2VecAudioConfig: "data2vec_audio"}
BUCKET_SETTINGS = [(320, 800), (64, 100), (32, 20)]
EMOTIONS = ["neu", "hap", "ang", "sad"]


def build_config(shape, real):
    cls, fields = SHAPES[shape]
    fields = dict(fields)
    if not real:
        fields.update(SMALL)
        fields["num_hidden_layers"] = 3 if "large" in shape else 2
    fields.update(hidden_dropout=0.1, attention_dropout=0.1, activation_dropout=0.1, layerdrop=0.1)
    return cls(**fields)


def randomize(model, gen):
    """Moves every parameter whose default would hide a bug off that default."""
    def rand(shape, scale):
        return torch.randn(shape, generator=gen) * scale

    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, (torch.nn.LayerNorm, torch.nn.GroupNorm, torch.nn.BatchNorm1d)):
                if getattr(module, "weight", None) is not None:
                    module.weight.copy_(1.0 + rand(module.weight.shape, 0.3))
                    module.bias.copy_(rand(module.bias.shape, 0.2))
            if isinstance(module, torch.nn.BatchNorm1d):
                module.running_mean.copy_(rand(module.running_mean.shape, 0.3))
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=gen) + 0.5)
            if isinstance(module, torch.nn.Linear) and module.bias is not None:
                module.bias.copy_(rand(module.bias.shape, 0.05))
            if isinstance(module, WavLMAttention):
                module.gru_rel_pos_const.copy_(torch.rand(module.gru_rel_pos_const.shape, generator=gen) + 0.5)
                if hasattr(module, "rel_attn_embed"):
                    module.rel_attn_embed.weight.copy_(rand(module.rel_attn_embed.weight.shape, 1.0))
        if getattr(model, "layer_weights", None) is not None:  # a weighted layer sum's uniform start
            model.layer_weights.copy_(rand(model.layer_weights.shape, 1.0))
        if getattr(model, "classifier", None) is not None:
            # Spread the classes' probabilities (random heads give nearly uniform ones, in
            # which a wrong input to the head would hide below the tolerance).
            model.classifier.weight.mul_(30.0)
        for name, p in model.named_parameters():
            if name.endswith("parametrizations.weight.original0"):  # weight-norm magnitude g (init = |v|)
                p.mul_(torch.rand(p.shape, generator=gen) + 0.5)
            elif ".pos_conv_embed." in name and name.endswith("bias"):
                p.copy_(rand(p.shape, 0.1))


def state_dict_for(model, weight_norm):
    sd = {}
    for k, v in model.state_dict().items():
        if weight_norm == "legacy":
            k = k.replace("parametrizations.weight.original0", "weight_g").replace(
                "parametrizations.weight.original1", "weight_v")
        sd[k] = v.detach().clone().contiguous()
    return sd


def save_dir(path, model, spec):
    os.makedirs(path, exist_ok=True)
    model.config.architectures = [type(model).__name__]  # as save_pretrained records it
    model.config.save_pretrained(path)
    sd = state_dict_for(model, spec["weight_norm"])
    if spec["file"].endswith(".safetensors"):
        save_file(sd, os.path.join(path, spec["file"]), metadata={"format": "pt"})
    else:
        torch.save(sd, os.path.join(path, spec["file"]))
    if spec["preprocessor"] is not None:
        Wav2Vec2FeatureExtractor(sampling_rate=RATE, **spec["preprocessor"]).save_pretrained(path)
    return sorted(sd)


def make_clips(out, real):
    """Speech-like test signals at odd lengths; the long one reaches WavLM's log buckets
    and its max_bucket_distance (800 frames = 16 s)."""
    gen = np.random.default_rng(25)
    lengths = {"short_odd": 6401, "odd": 40001, "long": 328003}
    if real:
        lengths = {"odd": 40001, "long": 328003}
    clips = {}
    os.makedirs(os.path.join(out, "clips"), exist_ok=True)
    for name, n in lengths.items():
        t = np.arange(n) / RATE
        f0 = 120 + 60 * np.sin(2 * np.pi * 0.7 * t)
        x = 0.3 * np.sin(2 * np.pi * np.cumsum(f0) / RATE) * (0.6 + 0.4 * np.sin(2 * np.pi * 3.1 * t))
        x = (x + 0.05 * gen.standard_normal(n) + 0.02).astype(np.float32)
        path = os.path.join(out, "clips", name + ".wav")
        scipy.io.wavfile.write(path, RATE, x)  # 32-bit float WAV: the samples exactly
        clips[name] = dict(wav=os.path.relpath(path, out), samples=n)
    return clips


def reference_outputs(model, extractor, wave):
    inputs = extractor(wave, sampling_rate=RATE, return_tensors="pt")
    with torch.inference_mode():
        out = model(inputs["input_values"], output_hidden_states=True)
    states = torch.stack([h[0] for h in out.hidden_states]).float().numpy()
    return states, out.last_hidden_state[0].float().numpy()


def bare_model(model):
    return getattr(model, model.base_model_prefix) if model.base_model_prefix and hasattr(
        model, model.base_model_prefix) else model


def make_variant(out, name, spec, real, clips, seed):
    config = build_config(spec["shape"], real)
    cls = spec["head"] or BARE[type(config)]
    if spec["head"] is not None:
        # A SUPERB-style emotion classifier: 4 IEMOCAP classes named in the config.
        config.id2label = dict(enumerate(EMOTIONS))
        config.label2id = {label: i for i, label in enumerate(EMOTIONS)}
        for key, value in spec.get("head_config", {}).items():
            setattr(config, key, value)
    torch.manual_seed(seed)
    model = cls(config).eval()
    gen = torch.Generator().manual_seed(seed)
    randomize(model, gen)
    path = os.path.join(out, name)
    keys = save_dir(path, model, spec)
    # The directory as transformers itself reads it back: the reference is computed from it.
    loaded = cls.from_pretrained(path, attn_implementation="eager").eval()
    encoder = bare_model(loaded)
    extractor = Wav2Vec2FeatureExtractor.from_pretrained(path) if spec["preprocessor"] else Wav2Vec2FeatureExtractor()
    os.makedirs(os.path.join(path, "reference"), exist_ok=True)
    for clip, info in clips.items():
        rate, wave = scipy.io.wavfile.read(os.path.join(out, info["wav"]))
        assert rate == RATE and wave.dtype == np.float32
        states, last = reference_outputs(encoder, extractor, wave)
        if clip == "odd":
            # A failed load would differ by O(1); the in-memory model may run another
            # attention kernel (sdpa), which rounds differently (1e-5 at the real sizes).
            mine, _ = reference_outputs(bare_model(model), extractor, wave)
            if not np.allclose(states, mine, rtol=0, atol=1e-3):
                sys.exit(f"{name}: transformers did not read back what it saved (max diff "
                         f"{np.abs(states - mine).max()})")
        np.save(os.path.join(path, "reference", clip + ".hidden_states.npy"), states)
        np.save(os.path.join(path, "reference", clip + ".last_hidden_state.npy"), last)
        if spec["head"] is not None:  # the classifier's softmax over the classes, as merhan predict prints it
            inputs = extractor(wave, sampling_rate=RATE, return_tensors="pt")
            with torch.inference_mode():
                logits = loaded(inputs["input_values"]).logits
            np.save(os.path.join(path, "reference", clip + ".probabilities.npy"),
                    torch.softmax(logits.double(), -1)[0].numpy())
    return dict(name=name, shape=spec["shape"], model_type=config.model_type, weights=spec["file"],
                weight_norm=spec["weight_norm"], task_class=cls.__name__, keys=len(keys),
                layer_norm_conv=getattr(config, "feat_extract_norm", "layer") == "layer",
                stable_layer_norm=bool(getattr(config, "do_stable_layer_norm", False)),
                num_hidden_layers=config.num_hidden_layers, hidden_size=config.hidden_size,
                do_normalize=extractor.do_normalize)


def bucket_reference(out):
    rel = torch.arange(-2000, 2001, dtype=torch.long)[None, :]
    rows = []
    for num_buckets, max_distance in BUCKET_SETTINGS:
        attn = WavLMAttention(embed_dim=8, num_heads=2, num_buckets=num_buckets, max_distance=max_distance)
        rows.append(attn._relative_positions_bucket(rel)[0].float().numpy())
    np.save(os.path.join(out, "wavlm_buckets.npy"), np.stack(rows))
    return [dict(num_buckets=n, max_distance=d) for n, d in BUCKET_SETTINGS]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--real-shapes", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(os.path.abspath(__file__), "rb") as f:
        script_sha = hashlib.sha256(f.read()).hexdigest()
    parent = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".speech-fixtures-", dir=parent)
    os.chmod(tmp, 0o755)
    try:
        write_fixtures(tmp, args.real_shapes, script_sha)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(args.out, ignore_errors=True)
    os.replace(tmp, args.out)
    print(f"{len(VARIANTS)} speech encoders (transformers {transformers.__version__}, torch {torch.__version__}) -> "
          f"{args.out}")


def write_fixtures(tmp, real_shapes, script_sha):
    clips = make_clips(tmp, real_shapes)
    variants = [make_variant(tmp, name, spec, real_shapes, clips, seed)
                for seed, (name, spec) in enumerate(VARIANTS.items(), start=1)]
    manifest = dict(script_sha256=script_sha, real_shapes=real_shapes, transformers=transformers.__version__,
                    torch=torch.__version__, numpy=np.__version__, sample_rate=RATE, clips=clips, variants=variants,
                    wavlm_buckets=dict(file="wavlm_buckets.npy", relative_positions=[-2000, 2000],
                                       settings=bucket_reference(tmp)))
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
