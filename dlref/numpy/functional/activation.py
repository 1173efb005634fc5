"""Activation functions and their backward passes (STUB: being written; replace this file entirely)."""


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

def sigmoid_backward(*args, **kwargs):
    raise NotImplementedError('sigmoid_backward is being written')

def tanh_backward(*args, **kwargs):
    raise NotImplementedError('tanh_backward is being written')

def relu_backward(*args, **kwargs):
    raise NotImplementedError('relu_backward is being written')

def leaky_relu_backward(*args, **kwargs):
    raise NotImplementedError('leaky_relu_backward is being written')

def softmax_backward(*args, **kwargs):
    raise NotImplementedError('softmax_backward is being written')

def log_softmax_backward(*args, **kwargs):
    raise NotImplementedError('log_softmax_backward is being written')

def gelu_backward(*args, **kwargs):
    raise NotImplementedError('gelu_backward is being written')

def silu_backward(*args, **kwargs):
    raise NotImplementedError('silu_backward is being written')

def elu_backward(*args, **kwargs):
    raise NotImplementedError('elu_backward is being written')

