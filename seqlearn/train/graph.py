"""The size of the autograd graph behind a tensor: what ``backward()`` would walk.

Truncated BPTT without ``detach`` keeps the graphs of all earlier chunks alive through the carried
state; counting the graph's nodes shows it grow chunk after chunk.
"""


def graph_nodes(tensor):
    """The number of distinct autograd nodes reachable from ``tensor.grad_fn`` (0 for a leaf)."""
    seen, todo = set(), [tensor.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        todo.extend(nxt for nxt, _ in node.next_functions)
    return len(seen)
