"""Rosenblatt's perceptron (STUB: being written; replace this file entirely)."""


class Perceptron:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('Perceptron is being written')

