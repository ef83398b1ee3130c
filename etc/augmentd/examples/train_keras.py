#!/usr/bin/env python3
"""Fine-tunes a Keras image classifier on what augmentd added since the last successful run.
(Documented example; needs TensorFlow/Keras; not run by the test suite.)

    [retrain]
    command = ["/opt/venv/bin/python", "/srv/augmentd/train_keras.py", "--model", "/srv/augmentd/model.keras"]

It reads $AUGMENTD_MANIFEST (see the README, "Retraining"): the new train originals and their
variants are the fine-tuning set; to keep old classes from being forgotten, it mixes in a replay
sample of older training files, drawn per label in proportion to the manifest's label_totals; the
new validation originals plus a sample of older ones evaluate the result. The model is saved to a
temporary file and renamed over the old one only if validation accuracy did not drop by more than
--max-drop, so a bad run never replaces a good model; the exit status tells augmentd whether to
mark the files trained (0) or keep them pending (1).
"""
import argparse
import json
import os
import random
import sys

import keras
import numpy as np

IMAGE_SIZE = (224, 224)


def load_image(path):
    image = keras.utils.load_img(path, target_size=IMAGE_SIZE)
    return keras.utils.img_to_array(image)


def files_of(root, split):
    """Every (path, label) of a split already in the dataset tree."""
    out = []
    base = os.path.join(root, split)
    for label in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        for name in os.listdir(os.path.join(base, label)):
            if not name.startswith("."):
                out.append((os.path.join(base, label, name), label))
    return out


def batch(pairs, classes):
    x = np.stack([load_image(p) for p, _ in pairs]) if pairs else np.zeros((0, *IMAGE_SIZE, 3))
    y = np.array([classes.index(label) for _, label in pairs])
    return x, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--replay", type=float, default=1.0, help="old files per new file")
    parser.add_argument("--max-drop", type=float, default=0.02)
    args = parser.parse_args()

    with open(os.environ["AUGMENTD_MANIFEST"]) as f:
        manifest = json.load(f)
    root = manifest["dataset_root"]
    classes = sorted(manifest["label_totals"])
    new_train = [(os.path.join(root, e["path"]), e["label"]) for e in manifest["files"] if e["split"] == "train"]
    new_val = [(os.path.join(root, e["path"]), e["label"]) for e in manifest["files"] if e["split"] == "val"]
    new_paths = {p for p, _ in new_train + new_val}

    # Replay: older training files, per label in proportion to the dataset's totals.
    old_train = [pair for pair in files_of(root, "train") if pair[0] not in new_paths]
    totals = manifest["label_totals"]
    weight = {label: totals[label]["train_originals"] + totals[label]["variants"] for label in classes}
    budget = int(len(new_train) * args.replay)
    replay = []
    for label in classes:
        pool = [pair for pair in old_train if pair[1] == label]
        share = int(budget * weight[label] / max(sum(weight.values()), 1))
        replay += random.sample(pool, min(share, len(pool)))
    old_val = [pair for pair in files_of(root, "val") if pair[0] not in new_paths]
    val = new_val + random.sample(old_val, min(len(old_val), 4 * max(len(new_val), 1)))

    model = keras.models.load_model(args.model)
    if model.output_shape[-1] != len(classes):
        sys.exit(f"the model has {model.output_shape[-1]} outputs but the dataset has {len(classes)} labels")
    x_val, y_val = batch(val, classes)
    before = model.evaluate(x_val, y_val, verbose=0, return_dict=True).get("accuracy", 0.0) if len(val) else 0.0
    x, y = batch(new_train + replay, classes)
    model.fit(x, y, epochs=args.epochs, batch_size=32, shuffle=True, verbose=2)
    after = model.evaluate(x_val, y_val, verbose=0, return_dict=True).get("accuracy", 0.0) if len(val) else 0.0
    print(f"run {manifest['run_id']}: {len(new_train)} new + {len(replay)} replayed; val accuracy {before:.3f} -> {after:.3f}")
    if after < before - args.max_drop:
        sys.exit("validation accuracy dropped: the old model is kept and the files stay pending")
    temp = args.model + ".tmp.keras"
    model.save(temp)
    os.replace(temp, args.model)


if __name__ == "__main__":
    main()
