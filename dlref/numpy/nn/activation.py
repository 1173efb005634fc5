"""Activation modules (STUB: being written; replace this file entirely)."""

from dlref.numpy.nn.module import Module

class Sigmoid(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('Sigmoid is being written')

class Tanh(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('Tanh is being written')

class ReLU(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('ReLU is being written')

class LeakyReLU(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('LeakyReLU is being written')

class Softmax(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('Softmax is being written')

class LogSoftmax(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('LogSoftmax is being written')

class GELU(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('GELU is being written')

class SiLU(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('SiLU is being written')

class ELU(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('ELU is being written')

