#!/usr/bin/env bash
# Every (fold, seed) of a merhan run as one task of a Slurm job array, all into
# one run directory (README "Folds and seeds as jobs"). Submit from the
# repository root; task i trains fold i % FOLDS with seed SEEDS[i / FOLDS]:
#   sbatch --array=0-14 scripts/slurm_array.sh configs/iemocap_merhan.json runs/merhan-array 5 "1 2 3"
# (5 LOSO folds x 3 seeds = 15 tasks; the config must plan those seeds:
# run.seeds=[1,2,3], set below.) Tasks may run at the same time and be requeued:
# a finished pair is skipped, an unfinished one continues from its last.ckpt.
# Afterwards, or at any time: build/merhan report runs/merhan-array
#SBATCH --job-name=merhan
#SBATCH --cpus-per-task=8
#SBATCH --gres=gpu:1
#SBATCH --time=02:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
config="${1:?config}"
run_dir="${2:?run directory}"
folds="${3:?number of folds}"
read -r -a seeds <<<"${4:?seeds}"
task="${SLURM_ARRAY_TASK_ID:?submit with sbatch --array}"
fold=$((task % folds))
seed="${seeds[$((task / folds))]:?task $task is past the last seed}"
seed_list="[$(IFS=,; echo "${seeds[*]}")]"
# One thread per allocated core: several tasks may share a node (docs/design.md T8).
exec "${MERHAN_BINARY:-build/merhan}" train --config "$config" --set "run.seeds=$seed_list" \
  --set "run.threads=${SLURM_CPUS_PER_TASK:-0}" --fold "$fold" --seed "$seed" --run-dir "$run_dir"
