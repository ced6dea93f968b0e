"""The book's shopping examples as computational graphs (5.1-5.4), computed with MulLayer and
AddLayer: forward gives the price, backward how much the price moves per unit of each input."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..nn.graph import AddLayer, MulLayer


@dataclass(frozen=True)
class Node:
    op: str                         # "×" or "+"
    inputs: tuple[str, str]         # the names of its two input values
    output: str


@dataclass
class GraphTrace:
    """A graph after one forward and one backward pass: the value on every edge and the gradient of
    the final price with respect to it. `nodes` are in forward order; backward visits them reversed."""
    nodes: list[Node]
    values: dict[str, float] = field(default_factory=dict)
    gradients: dict[str, float] = field(default_factory=dict)

    @property
    def price(self) -> float:
        return self.values[self.nodes[-1].output]


def buy_apple(apple: float = 100, apple_num: float = 2, tax: float = 1.1) -> GraphTrace:
    """2 apples at 100 with 10% tax: 220; dapple 2.2, dapple_num 110, dtax 200 (book 5.4.1)."""
    mul_apple_layer, mul_tax_layer = MulLayer(), MulLayer()
    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)

    dprice = 1
    dapple_price, dtax = mul_tax_layer.backward(dprice)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)

    nodes = [Node("×", ("apple", "apple_num"), "apple_price"), Node("×", ("apple_price", "tax"), "price")]
    values = dict(apple=apple, apple_num=apple_num, tax=tax, apple_price=apple_price, price=price)
    gradients = dict(apple=dapple, apple_num=dapple_num, tax=dtax, apple_price=dapple_price, price=dprice)
    return GraphTrace(nodes, values, gradients)


def buy_apple_orange(apple: float = 100, apple_num: float = 2, orange: float = 150, orange_num: float = 3,
                     tax: float = 1.1) -> GraphTrace:
    """Apples and oranges with 10% tax: 715; dapple_num 110, dapple 2.2, dorange 3.3, dorange_num
    165, dtax 650 (book 5.4.2)."""
    mul_apple_layer, mul_orange_layer = MulLayer(), MulLayer()
    add_apple_orange_layer, mul_tax_layer = AddLayer(), MulLayer()
    apple_price = mul_apple_layer.forward(apple, apple_num)
    orange_price = mul_orange_layer.forward(orange, orange_num)
    all_price = add_apple_orange_layer.forward(apple_price, orange_price)
    price = mul_tax_layer.forward(all_price, tax)

    dprice = 1
    dall_price, dtax = mul_tax_layer.backward(dprice)
    dapple_price, dorange_price = add_apple_orange_layer.backward(dall_price)
    dorange, dorange_num = mul_orange_layer.backward(dorange_price)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)

    nodes = [Node("×", ("apple", "apple_num"), "apple_price"), Node("×", ("orange", "orange_num"), "orange_price"),
             Node("+", ("apple_price", "orange_price"), "all_price"), Node("×", ("all_price", "tax"), "price")]
    values = dict(apple=apple, apple_num=apple_num, orange=orange, orange_num=orange_num, tax=tax,
                  apple_price=apple_price, orange_price=orange_price, all_price=all_price, price=price)
    gradients = dict(apple=dapple, apple_num=dapple_num, orange=dorange, orange_num=dorange_num, tax=dtax,
                     apple_price=dapple_price, orange_price=dorange_price, all_price=dall_price, price=dprice)
    return GraphTrace(nodes, values, gradients)


GRAPHS = {"apples": buy_apple, "apples and oranges": buy_apple_orange}
