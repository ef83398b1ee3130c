#!/usr/bin/env bash
# A Python with TensorFlow (CPU) and Keras 3 for etc/augmentd/examples/train_keras.py and its
# tests: made once in ~/.cache/augmentd-keras-venv (or $AUGMENTD_KERAS_VENV), reused after.
# About 600 MB; 35 s to install here from PyPI.
set -euo pipefail
venv="${AUGMENTD_KERAS_VENV:-$HOME/.cache/augmentd-keras-venv}"
if "$venv/bin/python3" -c "import keras, tensorflow, PIL" >/dev/null 2>&1; then
    echo "keras venv: $venv (reused)"
    exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "tensorflow-cpu==2.21.*" "keras==3.15.*" pillow
"$venv/bin/python3" -c "import keras, tensorflow, PIL; print('keras venv:', '$venv', 'keras', keras.__version__, 'tensorflow', tensorflow.__version__)"
