"""The size of the autograd graph behind a tensor: what ``backward()`` would walk.

Truncated BPTT without ``detach`` keeps the graphs of all earlier chunks alive through the carried
state; counting the graph's nodes shows it grow chunk after chunk.
"""


def _nodes(tensor):
    """Every distinct autograd node reachable from ``tensor.grad_fn``, each once (none for a leaf)."""
    seen, todo = set(), [tensor.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        todo.extend(nxt for nxt, _ in node.next_functions)
        yield node


def graph_nodes(tensor):
    """The number of distinct autograd nodes reachable from ``tensor.grad_fn`` (0 for a leaf)."""
    return sum(1 for _ in _nodes(tensor))


def saved_bytes(tensor):
    """Bytes of the tensors that the graph behind ``tensor`` holds for its backward pass.

    Each saved tensor counts once (by storage), however many nodes hold it; parameters count too.
    Call it before ``backward()`` frees the graph (or after ``backward(retain_graph=True)``).
    """
    storages, total = set(), 0
    for node in _nodes(tensor):
        for name in dir(node):
            if not name.startswith("_saved_"):
                continue
            values = getattr(node, name)
            for v in values if isinstance(values, (tuple, list)) else (values,):
                if hasattr(v, "untyped_storage"):
                    key = v.untyped_storage().data_ptr()
                    if key not in storages:
                        storages.add(key)
                        total += v.untyped_storage().nbytes()
    return total
