"""Shared by the PyTorch peers: the workloads' MLP and a fixed random batch with its loss."""
import torch


def mlp(layers):
    """Linear layers with ReLU between them, as tg_train_bench builds the workload."""
    mods = []
    for i in range(1, len(layers)):
        mods.append(torch.nn.Linear(layers[i - 1], layers[i]))
        if i + 1 < len(layers):
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def random_batch(layers, rows, softmax, seed):
    """(x, y, loss function): normal inputs, and class ids or normal targets."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, layers[0], generator=g)
    if softmax:
        return x, torch.randint(0, layers[-1], (rows,), generator=g), torch.nn.CrossEntropyLoss()
    return x, torch.randn(rows, layers[-1], generator=g), torch.nn.MSELoss()
