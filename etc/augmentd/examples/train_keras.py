#!/usr/bin/env python3
"""Trains a Keras image classifier on what augmentd added since the last successful run.

    [retrain]
    command = ["/opt/augmentd-venv/bin/python", "/srv/augmentd/train_keras.py",
               "--model", "/srv/augmentd/model.keras"]

Needs TensorFlow and Keras 3 in the Python that runs it (`python -m venv /opt/augmentd-venv;
/opt/augmentd-venv/bin/pip install tensorflow-cpu keras pillow`). It reads $AUGMENTD_MANIFEST (README,
"Retraining") and:

- with no model yet, builds one (a small CNN, or --arch mobilenetv3small) and trains it on the
  whole train split;
- with a model, fine-tunes it on the new train files plus a replay sample of older ones (per
  label, in proportion to the manifest's label_totals) so old labels are not forgotten;
- when labels appear that the model does not know, grows the classifier head: the old rows of
  the last layer's weights are kept, one is added per new label, and the new labels' files join
  the training set.

The class order is kept beside the model in MODEL.classes.json; labels are matched by name, never
by position. The model is saved to a temporary file and renamed over the old one only if accuracy
on the validation files of the labels it already knew did not drop by more than --max-drop (a
negative value demands an improvement; --max-drop-when-growing when labels were added), so a bad run never replaces a good model. Exit status:
0 = trained (augmentd marks the files trained), 1 = the old model was kept (the files stay
pending), 2 = something to fix first (no Keras, a model file of another kind...), named on stderr.
"""
import argparse
import json
import os
import random
import sys


def fail(message):
    print(f"train_keras: {message}", file=sys.stderr)
    sys.exit(2)


try:
    import numpy as np
    import PIL.Image  # noqa: F401 - keras.utils.load_img needs Pillow
    import keras
except ImportError as error:
    fail(f"cannot import {error.name} in {sys.executable}: install TensorFlow and Keras 3 in the "
         "Python that runs this script (python -m pip install tensorflow-cpu keras pillow) and name that "
         "Python first in [retrain] command")

if not keras.__version__.startswith("3."):
    fail(f"Keras {keras.__version__} in {sys.executable}: this example needs Keras 3")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="the .keras file (created on the first run)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--image-size", type=int, default=128, help="images are resized to SIZE x SIZE")
    parser.add_argument("--arch", choices=["small-cnn", "mobilenetv3small"], default="small-cnn",
                        help="the network built when there is no model yet")
    parser.add_argument("--imagenet-weights", metavar="FILE",
                        help="MobileNetV3Small ImageNet weights (no top) on disk; nothing is downloaded")
    parser.add_argument("--replay", type=float, default=1.0, help="older files per new file")
    parser.add_argument("--max-drop", type=float, default=0.02,
                        help="largest accepted fall in validation accuracy (negative: demand a rise)")
    parser.add_argument("--max-drop-when-growing", type=float, default=0.10,
                        help="the same when labels were added: the known labels then share the head with new ones")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.model.endswith(".keras"):
        fail(f"--model {args.model}: Keras 3 saves models as .keras files")
    if args.imagenet_weights and args.arch != "mobilenetv3small":
        fail("--imagenet-weights goes with --arch mobilenetv3small")
    if args.imagenet_weights and not os.path.isfile(args.imagenet_weights):
        fail(f"--imagenet-weights {args.imagenet_weights}: no such file (weights are never downloaded)")
    return args


# ---- the dataset ----

def files_of(root, split):
    """Every (path, label) of a split in the dataset tree."""
    out = []
    base = os.path.join(root, split)
    for label in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        folder = os.path.join(base, label)
        if label.startswith(".") or not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.startswith("."):
                out.append((os.path.join(folder, name), label))
    return out


def arrays(pairs, classes, size):
    """Images as a float array and labels as indices into `classes`."""
    images = [keras.utils.img_to_array(keras.utils.load_img(path, target_size=(size, size), color_mode="rgb"))
              for path, _ in pairs]
    x = np.stack(images) if images else np.zeros((0, size, size, 3), dtype="float32")
    y = np.array([classes.index(label) for _, label in pairs], dtype="int64")
    return x, y


def accuracy(model, pairs, classes, size):
    if not pairs:
        return None
    x, y = arrays(pairs, classes, size)
    predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
    return float(np.mean(predicted == y))


# ---- the model and its classes ----

def classes_path(model_path):
    return model_path + ".classes.json"


def write_atomically(path, write):
    """write(temp_path), then fsync and rename over path, so a crash leaves old or new, whole."""
    folder = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(folder, f".{os.path.basename(path)}.tmp-{os.getpid()}" + os.path.splitext(path)[1])
    try:
        write(temp)
        with open(temp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_classes(model_path, classes):
    def write(temp):
        with open(temp, "w") as f:
            json.dump({"classes": classes}, f, indent=1)
            f.write("\n")
    write_atomically(classes_path(model_path), write)


def load_classes(model_path, outputs, dataset_classes):
    """The model's class names, in the order of its outputs."""
    path = classes_path(model_path)
    if os.path.exists(path):
        try:
            with open(path) as f:
                classes = json.load(f)["classes"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            fail(f"{path}: not a class file ({error}); it names the model's labels in order")
        # The class file is written before the model, so after a crash between the two it may
        # name more labels than the model has outputs; labels are only ever appended.
        if len(classes) < outputs:
            fail(f"{path} names {len(classes)} labels but {model_path} has {outputs} outputs")
        return classes[:outputs]
    if outputs == len(dataset_classes):
        print(f"no {os.path.basename(path)}: assuming the model's outputs are the dataset's labels in "
              "sorted order (as earlier versions of this example trained it)")
        return list(dataset_classes)
    fail(f"{path} is missing and {model_path} has {outputs} outputs for {len(dataset_classes)} labels: "
         "write the model's labels in output order to that file ({\"classes\": [...]})")


def build_model(arch, classes, size, imagenet_weights):
    inputs = keras.Input((size, size, 3))
    if arch == "mobilenetv3small":
        base = keras.applications.MobileNetV3Small(
            input_shape=(size, size, 3), include_top=False, pooling="avg",
            weights=imagenet_weights, include_preprocessing=True)
        x = base(inputs)
    else:
        x = keras.layers.Rescaling(1.0 / 255)(inputs)
        for filters in (16, 32, 64):
            x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(len(classes), activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs)


def grow_head(model, count):
    """The same network with `count` more outputs: old weight rows kept, new ones initialised."""
    head = model.layers[-1]
    if not isinstance(head, keras.layers.Dense):
        fail(f"the model's last layer is a {type(head).__name__}, not a Dense classifier: cannot add labels")
    kernel, bias = head.get_weights()
    config = head.get_config()
    config["units"] = kernel.shape[1] + count
    config["name"] = f"classes_{config['units']}"
    grown = keras.layers.Dense.from_config(config)
    outputs = grown(head.input)
    new_model = keras.Model(model.inputs, outputs)
    new_kernel, new_bias = grown.get_weights()
    new_kernel[:, :kernel.shape[1]] = kernel
    new_bias[:bias.shape[0]] = bias
    grown.set_weights([new_kernel, new_bias])
    return new_model


def load_model(path):
    try:
        return keras.models.load_model(path)
    except Exception as error:  # Keras raises ValueError, OSError, zipfile errors...
        fail(f"{path} is not a Keras model this Keras can load ({type(error).__name__}: {error}); "
             "move it away to start a new model, or name another file with --model")


def compile_model(model):
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])


def save_model(path, model, classes):
    save_classes(path, classes)   # first: a longer class list is harmless (see load_classes)
    write_atomically(path, model.save)


# ---- one run ----

def main():
    args = parse_arguments()
    random.seed(args.seed)
    keras.utils.set_random_seed(args.seed)
    try:
        with open(os.environ["AUGMENTD_MANIFEST"]) as f:
            manifest = json.load(f)
    except KeyError:
        fail("AUGMENTD_MANIFEST is not set: augmentd runs this script as its [retrain] command")
    root = manifest["dataset_root"]
    dataset_classes = sorted(manifest["label_totals"])
    new_train = [(os.path.join(root, e["path"]), e["label"]) for e in manifest["files"] if e["split"] == "train"]
    new_val = [(os.path.join(root, e["path"]), e["label"]) for e in manifest["files"] if e["split"] == "val"]
    all_train, all_val = files_of(root, "train"), files_of(root, "val")
    size = args.image_size

    if not os.path.exists(args.model):
        classes = list(dataset_classes)
        model = build_model(args.arch, classes, size, args.imagenet_weights)
        compile_model(model)
        x, y = arrays(all_train, classes, size)
        model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size, shuffle=True, verbose=2)
        after = accuracy(model, all_val, classes, size)
        save_model(args.model, model, classes)
        shown = "no validation files" if after is None else f"val accuracy {after:.3f}"
        print(f"run {manifest['run_id']}: new model with {len(classes)} labels ({', '.join(classes)}) "
              f"trained on {len(all_train)} files; {shown}")
        return

    model = load_model(args.model)
    known = load_classes(args.model, model.output_shape[-1], dataset_classes)
    added = [label for label in dataset_classes if label not in known]
    classes = known + added
    old_model = model
    if added:
        model = grow_head(model, len(added))
    compile_model(model)

    # The new labels' files (all of them: the model has seen none), the new files, and a replay
    # sample of older files of the labels the model knew.
    new_paths = {p for p, _ in new_train + new_val}
    fresh = [pair for pair in all_train if pair[1] in added and pair[0] not in new_paths]
    old_train = [pair for pair in all_train if pair[0] not in new_paths and pair[1] in known]
    totals = manifest["label_totals"]
    weight = {label: totals[label]["train_originals"] + totals[label]["variants"] for label in known if label in totals}
    budget = int((len(new_train) + len(fresh)) * args.replay)
    replay = []
    for label in sorted(weight):
        pool = [pair for pair in old_train if pair[1] == label]
        share = int(round(budget * weight[label] / max(sum(weight.values()), 1)))
        replay += random.sample(pool, min(share, len(pool)))

    # Judged on validation files of the labels the old model knew, so before and after compare
    # like with like; the new labels' accuracy is reported.
    judged = [pair for pair in all_val if pair[1] in known]
    before = accuracy(old_model, judged, known, size)
    x, y = arrays(new_train + fresh + replay, classes, size)
    model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size, shuffle=True, verbose=2)
    after = accuracy(model, judged, classes, size)
    new_labels_accuracy = accuracy(model, [pair for pair in all_val if pair[1] in added], classes, size)

    summary = (f"run {manifest['run_id']}: {len(new_train)} new + {len(fresh)} of new labels + {len(replay)} replayed"
               + (f"; labels added: {', '.join(added)} ({len(classes)} outputs)" if added else ""))
    if before is None or after is None:
        print(summary + "; no validation files of known labels: accepted without a check")
    else:
        print(summary + f"; val accuracy of known labels {before:.3f} -> {after:.3f}"
              + ("" if new_labels_accuracy is None else f"; new labels {new_labels_accuracy:.3f}"))
        allowed = args.max_drop_when_growing if added else args.max_drop
        if after < before - allowed:
            print(f"validation accuracy fell by more than {allowed}: the old model is kept and the "
                  "files stay pending", file=sys.stderr)
            sys.exit(1)
    save_model(args.model, model, classes)


if __name__ == "__main__":
    main()
