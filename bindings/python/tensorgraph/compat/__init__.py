"""tensorgraph.compat.v1: the names of tf.compat.v1, so that `import tensorgraph.compat.v1 as tf`
runs TensorFlow 1.x course code."""
from . import v1  # noqa: F401
