"""Feature columns (tf.feature_column): how raw input columns become what a model reads.

Each column lowers to a feature of the engine's JSON specification (estimator/spec.h), from
which the engine builds the column's graph ops, so training, evaluation, prediction and exports
apply the same transformations. Beyond TensorFlow's columns, numeric columns take a z-score
normalizer (mean, stddev), and difference_column / euclidean_column are engineered features
computed in the graph (fit their normalizers with tensorgraph.estimator.fit_normalizers)."""
import copy

from .dtypes import as_dtype, float32


class FeatureColumn:
    """The base of every column: _spec() is its feature in the engine's specification."""

    def _spec(self):
        raise NotImplementedError

    @property
    def name(self):
        return self._spec().get("name", "")

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, self._spec())


class NumericColumn(FeatureColumn):
    def __init__(self, key, shape=(1,), default_value=None, dtype=float32, normalizer=None):
        self.key = key
        self.shape = tuple(shape) if not isinstance(shape, int) else (shape,)
        self.default_value = default_value
        self.dtype = as_dtype(dtype)
        self.normalizer = normalizer

    @property
    def name(self):
        return self.key

    def _spec(self):
        s = {"type": "numeric", "name": self.key, "normalize": self.normalizer is not None}
        if self.normalizer is not None:
            s["mean"], s["stddev"] = float(self.normalizer[0]), float(self.normalizer[1])
        return s


class DerivedColumn(FeatureColumn):
    """A numeric feature computed in the graph from float32 inputs: "difference" (a - b) or
    "euclidean" (the distance between (x1, y1) and (x2, y2))."""

    def __init__(self, kind, name, inputs, normalizer=None):
        self.kind, self.key, self.inputs, self.normalizer = kind, name, list(inputs), normalizer

    @property
    def name(self):
        return self.key

    def _spec(self):
        s = {"type": self.kind, "name": self.key, "inputs": self.inputs, "normalize": self.normalizer is not None}
        if self.normalizer is not None:
            s["mean"], s["stddev"] = float(self.normalizer[0]), float(self.normalizer[1])
        return s


class CategoricalColumn(FeatureColumn):
    """Ids in [0, num_buckets). Dense models read it one-hot (as indicator_column)."""

    def _spec(self):
        return self._cat_spec()


class BucketizedColumn(CategoricalColumn):
    def __init__(self, source_column, boundaries):
        if not isinstance(source_column, NumericColumn):
            raise ValueError("bucketized_column needs a numeric_column, got %r" % (source_column,))
        b = [float(x) for x in boundaries]
        if b != sorted(b) or len(set(b)) != len(b):
            raise ValueError("boundaries must be sorted and distinct: %r" % (boundaries,))
        self.source_column, self.boundaries = source_column, b

    @property
    def name(self):
        return self.source_column.key + "_bucketized"

    @property
    def num_buckets(self):
        return len(self.boundaries) + 1

    def _cat_spec(self):
        return {"type": "bucketized", "input": self.source_column.key, "boundaries": self.boundaries}


class VocabularyListColumn(CategoricalColumn):
    def __init__(self, key, vocabulary_list, num_oov_buckets=1):
        self.key, self.vocabulary_list, self.num_oov_buckets = key, [str(v) for v in vocabulary_list], num_oov_buckets

    @property
    def num_buckets(self):
        return len(self.vocabulary_list) + self.num_oov_buckets

    def _cat_spec(self):
        return {"type": "vocabulary", "name": self.key, "vocabulary": self.vocabulary_list,
                "oov_buckets": int(self.num_oov_buckets)}


class HashBucketColumn(CategoricalColumn):
    def __init__(self, key, hash_bucket_size):
        self.key, self.hash_bucket_size = key, int(hash_bucket_size)

    @property
    def num_buckets(self):
        return self.hash_bucket_size

    def _cat_spec(self):
        return {"type": "hash", "name": self.key, "buckets": self.hash_bucket_size}


class IdentityColumn(CategoricalColumn):
    def __init__(self, key, num_buckets, default_value=None):
        self.key, self.num_buckets, self.default_value = key, int(num_buckets), default_value

    def _cat_spec(self):
        return {"type": "identity", "name": self.key, "buckets": self.num_buckets,
                "default": -1 if self.default_value is None else int(self.default_value)}


class CrossedColumn(CategoricalColumn):
    def __init__(self, keys, hash_bucket_size):
        self.keys = list(keys)
        self.hash_bucket_size = int(hash_bucket_size)
        if len(self.keys) < 2:
            raise ValueError("crossed_column needs at least two columns")

    @property
    def name(self):
        return "_X_".join(k if isinstance(k, str) else k.name for k in self.keys)

    @property
    def num_buckets(self):
        return self.hash_bucket_size

    def _cat_spec(self):
        parts = []
        for k in self.keys:
            if isinstance(k, str):  # a raw string column, hashed (as TensorFlow does)
                parts.append({"type": "hash", "name": k, "buckets": self.hash_bucket_size})
            elif isinstance(k, CategoricalColumn):
                parts.append(k._cat_spec())
            else:
                raise ValueError("crossed_column takes keys (str) or categorical columns, got %r" % (k,))
        return {"type": "crossed", "name": self.name, "columns": parts, "buckets": self.hash_bucket_size}


class EmbeddingColumn(FeatureColumn):
    def __init__(self, categorical_column, dimension):
        self.categorical_column, self.dimension = _categorical(categorical_column), int(dimension)

    @property
    def name(self):
        return self.categorical_column.name + "_embedding"

    def _spec(self):
        s = dict(self.categorical_column._cat_spec())
        s["embedding"] = self.dimension
        return s


class IndicatorColumn(FeatureColumn):
    def __init__(self, categorical_column):
        self.categorical_column = _categorical(categorical_column)

    @property
    def name(self):
        return self.categorical_column.name + "_indicator"

    def _spec(self):
        return self.categorical_column._cat_spec()


def _categorical(c):
    if not isinstance(c, CategoricalColumn):
        raise ValueError("expected a categorical column, got %r" % (c,))
    return c


def numeric_column(key, shape=(1,), default_value=None, dtype=float32, normalizer_fn=None, normalizer=None):
    """A float input. normalizer=(mean, stddev) applies a z-score in the graph; TensorFlow's
    normalizer_fn (a Python function) has no equivalent: the graph is the engine's."""
    if normalizer_fn is not None:
        raise NotImplementedError("normalizer_fn: give normalizer=(mean, stddev), or fit them with "
                                  "tensorgraph.estimator.fit_normalizers(columns, input_fn)")
    if tuple(shape if not isinstance(shape, int) else (shape,)) != (1,):
        raise NotImplementedError("numeric_column with shape %r: only scalar features (shape (1,))" % (shape,))
    return NumericColumn(key, shape, default_value, dtype, normalizer)


def bucketized_column(source_column, boundaries):
    return BucketizedColumn(source_column, boundaries)


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1, num_oov_buckets=1):
    """String categories by a vocabulary. Unknown values go to num_oov_buckets hashed extra ids
    (at least one: the engine has no "drop unknown" id)."""
    return VocabularyListColumn(key, vocabulary_list, max(1, int(num_oov_buckets)))


def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=None):
    return HashBucketColumn(key, hash_bucket_size)


def categorical_column_with_identity(key, num_buckets, default_value=None):
    return IdentityColumn(key, num_buckets, default_value)


def crossed_column(keys, hash_bucket_size, hash_key=None):
    return CrossedColumn(keys, hash_bucket_size)


def embedding_column(categorical_column, dimension, combiner="mean", initializer=None, **unused):
    return EmbeddingColumn(categorical_column, dimension)


def indicator_column(categorical_column):
    return IndicatorColumn(categorical_column)


def difference_column(name, a, b, normalizer=None):
    """a - b of two float inputs (a longitude delta, say), computed in the graph."""
    return DerivedColumn("difference", name, [a, b], normalizer)


def euclidean_column(name, inputs, normalizer=None):
    """sqrt((x2 - x1)^2 + (y2 - y1)^2) of inputs [x1, y1, x2, y2], computed in the graph."""
    if len(inputs) != 4:
        raise ValueError("euclidean_column needs 4 inputs [x1, y1, x2, y2]")
    return DerivedColumn("euclidean", name, inputs, normalizer)


def _specs(columns):
    return [c._spec() for c in columns]


def _with_normalizer(column, mean, stddev):
    c = copy.copy(column)
    c.normalizer = (mean, stddev)
    return c
