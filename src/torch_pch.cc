// Carries the precompiled <torch/torch.h> that the torch-heavy layers reuse.
