"""The course's first training lab: a linear regression by gradient descent reaches the true
weights."""
import numpy as np
import pytest

import tensorgraph.compat.v1 as tf


def _data(rng, n=512):
    x = rng.normal(size=(n, 3)).astype(np.float32)
    w = np.array([[2.0], [-3.0], [0.5]], np.float32)
    return x, x @ w + 1.25, w


@pytest.mark.parametrize("make_optimizer,steps", [
    (lambda: tf.train.GradientDescentOptimizer(0.1), 300),
    (lambda: tf.train.AdamOptimizer(learning_rate=0.05), 800),
    (lambda: tf.train.MomentumOptimizer(0.05, 0.9), 400),
    (lambda: tf.train.RMSPropOptimizer(0.01), 1500),
])
def test_linear_regression_reaches_true_weights(rng, make_optimizer, steps):
    x_data, y_data, w_true = _data(rng)
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y_ = tf.placeholder(tf.float32, [None, 1], name="y")
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    b = tf.Variable(tf.zeros([1]), name="b")
    y = tf.matmul(x, w) + b
    loss = tf.reduce_mean(tf.square(y - y_))
    train_op = make_optimizer().minimize(loss)
    step = tf.train.get_or_create_global_step()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(steps):
            lo, hi = (i * 64) % 512, (i * 64) % 512 + 64
            sess.run(train_op, feed_dict={x: x_data[lo:hi], y_: y_data[lo:hi]})
        w_val, b_val, final, gs = sess.run([w, b, loss, step], {x: x_data, y_: y_data})
    np.testing.assert_allclose(w_val, w_true, atol=0.02)
    assert b_val[0] == pytest.approx(1.25, abs=0.02)
    assert final < 1e-3
    assert gs == steps


def test_compute_and_apply_gradients(rng):
    x_data, y_data, w_true = _data(rng)
    w = tf.Variable(tf.zeros([3, 1]))
    loss = tf.losses.mean_squared_error(labels=tf.constant(y_data - 1.25), predictions=tf.matmul(tf.constant(x_data), w))
    opt = tf.train.GradientDescentOptimizer(0.2)
    grads_and_vars = opt.compute_gradients(loss)
    assert grads_and_vars[0][1] is w
    train_op = opt.apply_gradients(grads_and_vars)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(200):
            sess.run(train_op)
        np.testing.assert_allclose(sess.run(w), w_true, atol=0.01)
