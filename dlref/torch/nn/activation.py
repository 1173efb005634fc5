"""Activation modules from torch primitives (STUB: being written; replace this file entirely)."""


class Sigmoid:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('Sigmoid is being written')

class Tanh:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('Tanh is being written')

class ReLU:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('ReLU is being written')

class LeakyReLU:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('LeakyReLU is being written')

class Softmax:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('Softmax is being written')

class LogSoftmax:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('LogSoftmax is being written')

class GELU:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('GELU is being written')

class SiLU:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('SiLU is being written')

class ELU:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('ELU is being written')

