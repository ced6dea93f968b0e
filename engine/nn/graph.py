"""The book's two layers of a computational graph (5.4): a multiply node and an add node. Each
forward() keeps what its backward() needs; backward(dout) returns the gradients of both inputs.
They work on plain numbers as on arrays."""
from __future__ import annotations


class MulLayer:
    def __init__(self):
        self.x = self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        # d(xy)/dx = y and d(xy)/dy = x: the upstream gradient times the *other* input.
        return dout * self.y, dout * self.x


class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        # d(x+y)/dx = d(x+y)/dy = 1: the upstream gradient passes through unchanged.
        return dout * 1, dout * 1
