"""tf.contrib's parts that the course uses: predictor.from_saved_model."""
from . import predictor  # noqa: F401
