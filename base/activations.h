// The activations: one row each. Every list of activations in tensorgraph is derived from this
// table -- the Act enum and its names, the graph ops and their gradients, the matmul fusion, the
// CPU (oneDNN) and CUDA (cuBLASLt epilogue, cuDNN) kernels, the estimators' and tg's choices and
// the ONNX export -- so that adding one is a row here, its formulas in kernels/activation.h, a
// lowering in serving/onnx_export.cpp when ONNX has no op for it, and a case in tests/op_cases.cpp.
//
// Columns:
//   enum     the Act enumerator
//   name     the name in specifications, on the command line and in attributes ("relu")
//   op       the graph op ("Relu")
//   alpha    the default of the op's "alpha" attribute (used by LeakyRelu only)
//   dnnl     oneDNN's eltwise algorithm (dnnl::algorithm::<dnnl>)
//   dnnl_a   oneDNN's alpha for it, in terms of `alpha` (the attribute)
//   lt       the cuBLASLt epilogue that adds the bias and applies it (CUBLASLT_EPILOGUE_<lt>),
//            BIAS where cuBLASLt has none (the activation then runs as its own kernel)
//   cudnn    the cuDNN activation mode (CUDNN_ACTIVATION_<cudnn>), NONE for an own kernel
//   onnx     the ONNX op ("" when serving/onnx_export.cpp composes it from other ops)
//   reads    what its gradient reads: Output (y = f(x); the pre-activation tensor can be dropped,
//            so matmul + bias + activation fuse in training graphs) or Input (x)
// This header is plain text for the layers that include it: the tokens are only expanded where
// oneDNN, CUDA or ONNX are at hand.
#pragma once

// clang-format off
#define TG_ACTIVATIONS(X)                                                                                       \
  /* enum      name          op           alpha dnnl               dnnl_a  lt         cudnn    onnx        reads */ \
  X(Relu,      "relu",       "Relu",      0.0,  eltwise_relu,      0.f,    RELU_BIAS, RELU,    "Relu",     Output) \
  X(LeakyRelu, "leaky_relu", "LeakyRelu", 0.2,  eltwise_relu,      alpha,  BIAS,      NONE,    "LeakyRelu", Output) \
  X(Elu,       "elu",        "Elu",       0.0,  eltwise_elu,       1.f,    BIAS,      ELU,     "Elu",      Output) \
  X(Sigmoid,   "sigmoid",    "Sigmoid",   0.0,  eltwise_logistic,  0.f,    BIAS,      SIGMOID, "Sigmoid",  Output) \
  X(Tanh,      "tanh",       "Tanh",      0.0,  eltwise_tanh,      0.f,    BIAS,      TANH,    "Tanh",     Output) \
  X(Softplus,  "softplus",   "Softplus",  0.0,  eltwise_soft_relu, 0.f,    BIAS,      NONE,    "Softplus", Output) \
  X(Gelu,      "gelu",       "Gelu",      0.0,  eltwise_gelu_tanh, 0.f,    GELU_BIAS, NONE,    "",         Input)  \
  X(GeluErf,   "gelu_erf",   "GeluErf",   0.0,  eltwise_gelu_erf,  0.f,    BIAS,      NONE,    "",         Input)  \
  X(Silu,      "silu",       "Silu",      0.0,  eltwise_swish,     1.f,    BIAS,      NONE,    "",         Input)
// clang-format on

// How many rows the table has; a static_assert beside each derived list checks it.
#define TG_ACTIVATION_COUNT_ROW(...) +1
inline constexpr int kNumActivations = 0 TG_ACTIVATIONS(TG_ACTIVATION_COUNT_ROW);
