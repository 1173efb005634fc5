"""Activations from torch primitives (STUB: being written; replace this file entirely)."""


def sigmoid(*args, **kwargs):
    raise NotImplementedError('sigmoid is being written')

def tanh(*args, **kwargs):
    raise NotImplementedError('tanh is being written')

def relu(*args, **kwargs):
    raise NotImplementedError('relu is being written')

def leaky_relu(*args, **kwargs):
    raise NotImplementedError('leaky_relu is being written')

def softmax(*args, **kwargs):
    raise NotImplementedError('softmax is being written')

def log_softmax(*args, **kwargs):
    raise NotImplementedError('log_softmax is being written')

def gelu(*args, **kwargs):
    raise NotImplementedError('gelu is being written')

def silu(*args, **kwargs):
    raise NotImplementedError('silu is being written')

def elu(*args, **kwargs):
    raise NotImplementedError('elu is being written')

