"""Graph building and running: feeds, fetch structures, operators, dtypes in and out, errors."""
import collections
import threading

import numpy as np
import pytest

import tensorgraph as tg
import tensorgraph.compat.v1 as tf


def test_compat_v1_is_the_package_api():
    assert tf.placeholder is tg.placeholder
    assert tf.train.AdamOptimizer is tg.train.AdamOptimizer
    assert tf.estimator.DNNRegressor is tg.estimator.DNNRegressor
    assert tf.errors.InvalidArgumentError is tg.errors.InvalidArgumentError


def test_constants_and_feed_dict():
    a = tf.constant(2.0)
    b = tf.constant(3.0)
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.reduce_sum(x * a + b, axis=1)
    with tf.Session() as sess:
        assert sess.run(a + b) == 5.0
        out = sess.run(y, feed_dict={x: [[1, 2, 3], [0, 0, 0]]})
    np.testing.assert_allclose(out, [21.0, 9.0])
    assert out.dtype == np.float32
    assert x.name == "x:0" and x.op.name == "x" and x.op.type == "Placeholder"
    assert x.shape.as_list() == [None, 3]


def test_feed_by_name_and_fetch_structures():
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.add(x, 1.0, name="y")
    z = tf.multiply(x, 2.0, name="z")
    Pair = collections.namedtuple("Pair", "a b")
    with tf.Session() as sess:
        r = sess.run({"y": y, "both": [y, (z,)], "pair": Pair(y, z), "byname": "z:0"}, feed_dict={"x:0": [1.0, 2.0]})
    np.testing.assert_allclose(r["y"], [2, 3])
    np.testing.assert_allclose(r["both"][1][0], [2, 4])
    assert isinstance(r["pair"], Pair)
    np.testing.assert_allclose(r["pair"].b, [2, 4])
    np.testing.assert_allclose(r["byname"], [2, 4])


def test_python_operators():
    x = tf.placeholder(tf.float32, [3], name="x")
    m = tf.constant([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    exprs = {
        "add": x + 1, "radd": 1 + x, "sub": x - 1, "rsub": 10 - x, "mul": x * 3, "rmul": 3 * x, "div": x / 2,
        "rdiv": 6 / x, "neg": -x, "pow": x ** 2, "abs": abs(-x), "lt": x < 2, "gt": x > 2,
        "matmul": tf.reshape(x, [1, 3]) @ m,
    }
    v = np.array([1.0, 2.0, 3.0], np.float32)
    with tf.Session() as sess:
        r = sess.run(exprs, {x: v})
    expect = {"add": v + 1, "radd": 1 + v, "sub": v - 1, "rsub": 10 - v, "mul": v * 3, "rmul": 3 * v, "div": v / 2,
              "rdiv": 6 / v, "neg": -v, "pow": v ** 2, "abs": v, "lt": v < 2, "gt": v > 2,
              "matmul": v.reshape(1, 3) @ np.array([[1, 0], [0, 2], [1, 1]], np.float32)}
    for k in expect:
        np.testing.assert_allclose(r[k], expect[k], rtol=1e-6, err_msg=k)
    assert r["lt"].dtype == np.bool_


def test_usual_ops():
    x = tf.constant([[-1.0, 2.0], [3.0, -4.0]])
    with tf.Session() as sess:
        relu, sig, th, sm, mean, mx, sq = sess.run([tf.nn.relu(x), tf.sigmoid(x), tf.tanh(x), tf.nn.softmax(x),
                                                    tf.reduce_mean(x), tf.reduce_max(x, axis=0), tf.square(x)])
        mse = sess.run(tf.losses.mean_squared_error(labels=tf.zeros_like(x), predictions=x))
        xent = sess.run(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([1, 0]), logits=x))
    xv = np.array([[-1, 2], [3, -4]], np.float64)
    np.testing.assert_allclose(relu, np.maximum(xv, 0))
    np.testing.assert_allclose(sig, 1 / (1 + np.exp(-xv)), rtol=1e-6)
    np.testing.assert_allclose(th, np.tanh(xv), rtol=1e-6)
    e = np.exp(xv - xv.max(axis=1, keepdims=True))
    np.testing.assert_allclose(sm, e / e.sum(axis=1, keepdims=True), rtol=1e-6)
    assert mean == pytest.approx(0.0)
    np.testing.assert_allclose(mx, [3, 2])
    np.testing.assert_allclose(sq, xv ** 2)
    assert mse == pytest.approx(np.mean(xv ** 2))
    logp = np.log(e / e.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(xent, [-logp[0, 1], -logp[1, 0]], rtol=1e-5)


def test_gradients():
    x = tf.placeholder(tf.float32, [3])
    w = tf.Variable([1.0, 2.0, 3.0])
    y = tf.reduce_sum(tf.square(x * w))
    unrelated = tf.Variable(0.0)
    gw, gx, gu = tf.gradients(y, [w, x, unrelated])
    assert gu is None
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        rw, rx = sess.run([gw, gx], {x: [1.0, 1.0, 2.0]})
    np.testing.assert_allclose(rw, 2 * np.array([1, 1, 2]) ** 2 * [1, 2, 3])
    np.testing.assert_allclose(rx, 2 * np.array([1, 2, 3]) ** 2 * [1, 1, 2])


def test_variables_assign_and_saver(tmp_path):
    v = tf.Variable(tf.zeros([2]), name="v")
    inc = v.assign_add([1.0, 2.0])
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(inc)
        sess.run(inc)
        np.testing.assert_allclose(sess.run(v), [2, 4])
        path = saver.save(sess, str(tmp_path / "model.ckpt"))
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError):
            sess.run(v)
        saver.restore(sess, path)
        np.testing.assert_allclose(sess.run(v), [2, 4])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.bool_])
def test_numpy_dtypes_in_and_out(dtype):
    x = tf.placeholder(tf.as_dtype(dtype), [None], name="x")
    y = tf.identity(x)
    value = np.array([1, 0, 1], dtype=dtype)
    with tf.Session() as sess:
        out = sess.run(y, {x: value})
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, value)


def test_strings_in_and_out():
    x = tf.placeholder(tf.string, [None])
    with tf.Session() as sess:
        out = sess.run(tf.identity(x), {x: np.array(["a", "héllo", ""])})
    assert out.dtype == object and list(out) == ["a", "héllo", ""]


def test_python_values_take_tensorflow_defaults():
    assert tf.constant(1.5).dtype == tf.float32
    assert tf.constant(3).dtype == tf.int32
    assert tf.constant(np.float64(1.0)).dtype == tf.float64
    assert tf.constant([[1.0, 2.0]]).shape == (1, 2)
    assert tf.constant(1.0).shape == ()


def test_feed_values_are_cast_to_the_placeholder_dtype():
    x = tf.placeholder(tf.float32, [2])
    with tf.Session() as sess:
        out = sess.run(x * 1.0, {x: np.array([1, 2], np.int64)})
    assert out.dtype == np.float32


def test_fetched_arrays_share_the_engine_buffer():
    """Fetched tensors become numpy arrays without a copy: the array does not own its data, it
    keeps the engine's tensor alive, and each run gives a new buffer (earlier results stay)."""
    x = tf.placeholder(tf.float32, [None])
    y = x * 2.0
    with tf.Session() as sess:
        first = sess.run(y, {x: np.arange(1000, dtype=np.float32)})
        second = sess.run(y, {x: np.ones(1000, np.float32)})
    assert not first.flags.owndata and first.base is not None
    assert first.flags.writeable and first.flags.c_contiguous
    assert not np.shares_memory(first, second)
    del second
    np.testing.assert_allclose(first, 2 * np.arange(1000))


def test_shape_error_raises_invalid_argument_with_the_node_name():
    x = tf.placeholder(tf.float32, [None, 3])
    w = tf.constant(np.ones((4, 2), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.matmul(x, w, name="bad_product")
    e = info.value
    assert isinstance(e, tf.errors.OpError)
    assert e.node == "bad_product" and e.op == "MatMul"
    assert e.code == tf.errors.INVALID_ARGUMENT == 3
    assert "bad_product" in str(e) and e.message == str(e)


def test_run_errors_have_their_codes():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    v = tf.Variable(1.0, name="never_initialized")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="'x'"):
            sess.run(x * 2.0)
        with pytest.raises(tf.errors.InvalidArgumentError, match="float32"):
            sess.run(x * 2.0, {x: np.ones((2, 3))})
        with pytest.raises(tf.errors.FailedPreconditionError, match="never_initialized"):
            sess.run(v)
    with pytest.raises(tf.errors.NotFoundError):
        tf.get_default_graph().get_operation_by_name("no_such_node")


def test_one_exception_class_per_error_code():
    codes = tg.errors.ERROR_CODES
    assert [c[0] for c in codes] == list(range(16))
    for number, name, cls in codes[1:]:
        exc = getattr(tg.errors, cls)
        assert issubclass(exc, tg.errors.OpError) and exc.__module__ == "tensorgraph.errors"
        assert getattr(tg.errors, name) == number
        assert tg.errors.exception_type_from_error_code(number) is exc
        with pytest.raises(exc) as info:
            tg.errors.raise_error(number, "boom", node="n", op="Op")
        assert (info.value.code, info.value.node, info.value.op, info.value.message) == (number, "n", "Op", "boom")
    assert len({c[2] for c in codes[1:]}) == 15


def test_graphs_are_separate():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.constant(1.0)
    with g2.as_default():
        b = tf.constant(2.0)
    assert a.graph is g1 and b.graph is g2
    with tf.Session(graph=g1) as sess:
        with pytest.raises(ValueError):
            sess.run(b)
        assert sess.run(a) == 1.0


def test_name_scopes():
    with tf.name_scope("layer"):
        c = tf.constant(1.0, name="c")
    assert c.op.name == "layer/c"


def test_gil_is_released_while_a_session_runs():
    """Another Python thread runs while session.run executes: the main thread observes, from
    Python, an engine call in flight, which it could not if the run held the GIL."""
    n = 512
    a = tf.placeholder(tf.float32, [n, n])
    y = a
    for _ in range(8):
        y = tf.tanh(tf.matmul(y, a))
    value = np.random.default_rng(0).normal(size=(n, n)).astype(np.float32) / n
    sess = tf.Session()
    stop = threading.Event()
    runs = []

    def worker():
        while not stop.is_set() and len(runs) < 2000:
            sess.run(y, {a: value})
            runs.append(1)

    t = threading.Thread(target=worker)
    t.start()
    seen = 0
    try:
        while t.is_alive() and seen == 0:
            seen = tg._tg.calls_in_flight()
    finally:
        stop.set()
        t.join()
    assert seen > 0
    assert tg._tg.calls_in_flight() == 0
