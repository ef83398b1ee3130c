#!/usr/bin/env python3
"""A tiny, dependency-free trainer for augmentd's [retrain] hook (Python standard library only).

augmentd runs it with:
  AUGMENTD_MANIFEST       the run's manifest (JSON): every original and variant added since the
                          last successful run, with label, split, hash and path, plus per-label totals
  AUGMENTD_DATASET        the dataset root (the manifest's paths are relative to it)
  AUGMENTD_RUN_ID         the run's id
  AUGMENTD_NEW_ORIGINALS  how many new originals the manifest lists

The "model" is a nearest-centroid classifier on byte histograms: per label, the running mean of the
256-bin histogram of each training file's bytes. It is updated incrementally from the manifest's
train files and written atomically to the model file. Training is idempotent by content hash: a
run that is repeated (after a crash, say) adds nothing twice. Exit 0 tells augmentd the files are
trained; any other status keeps them pending for the next run.

    train_tiny.py [--model PATH]            train on $AUGMENTD_MANIFEST
    train_tiny.py predict IMAGE [--model PATH]

The model defaults to tiny-model.json beside the dataset root (outside it, so loaders never see it).
"""
import json
import os
import sys
import tempfile


def default_model_path():
    dataset = os.environ.get("AUGMENTD_DATASET", "dataset")
    return os.path.join(os.path.dirname(os.path.abspath(dataset)), "tiny-model.json")


def histogram(path):
    counts = [0] * 256
    with open(path, "rb") as f:
        data = f.read()
    for byte in data:
        counts[byte] += 1
    total = max(len(data), 1)
    return [c / total for c in counts]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"format_version": 1, "labels": {}, "trained_hashes": {}, "runs": []}


def save(model, path):
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".tiny-model.", dir=folder)
    with os.fdopen(fd, "w") as f:
        json.dump(model, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.rename(temp, path)


def train(model_path):
    manifest_path = os.environ["AUGMENTD_MANIFEST"]
    with open(manifest_path) as f:
        manifest = json.load(f)
    root = manifest["dataset_root"]
    model = load(model_path)
    trained = model["trained_hashes"]
    files_by_hash = {}
    for entry in manifest["files"]:
        files_by_hash.setdefault(entry["hash"], []).append(entry)
    added = skipped = 0
    for digest, entries in files_by_hash.items():
        if digest in trained:
            skipped += 1
            continue
        label = entries[0]["label"]
        stats = model["labels"].setdefault(label, {"originals": 0, "files": 0, "centroid": [0.0] * 256})
        for entry in entries:
            if entry["split"] != "train":
                continue   # validation originals are for evaluation, never for fitting
            h = histogram(os.path.join(root, entry["path"]))
            stats["files"] += 1
            n = stats["files"]
            stats["centroid"] = [c + (x - c) / n for c, x in zip(stats["centroid"], h)]
        stats["originals"] += 1
        trained[digest] = label
        added += 1
    model["runs"].append({"run_id": manifest["run_id"], "new_originals": added, "skipped_already_trained": skipped})
    model["label_totals"] = manifest["label_totals"]
    save(model, model_path)
    print(f"run {manifest['run_id']}: trained on {added} new originals "
          f"({skipped} already trained), {len(model['labels'])} labels; model {model_path}")


def predict(image, model_path):
    model = load(model_path)
    if not model["labels"]:
        sys.exit(f"no trained model at {model_path}: it is made by the first retraining run "
                 f"(augmentd retrain --config FILE --now), or give another with --model PATH")
    h = histogram(image)
    best = min(model["labels"].items(),
               key=lambda item: sum((a - b) ** 2 for a, b in zip(item[1]["centroid"], h)))
    print(best[0])


def main(argv):
    model_path = default_model_path()
    if "--model" in argv:
        i = argv.index("--model")
        model_path = argv[i + 1]
        del argv[i:i + 2]
    if argv[:1] == ["predict"] and len(argv) == 2:
        predict(argv[1], model_path)
    elif not argv:
        train(model_path)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
