"""Loss modules (STUB: being written; replace this file entirely)."""

from dlref.numpy.nn.module import Module

class MSELoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('MSELoss is being written')

class L1Loss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('L1Loss is being written')

class HuberLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('HuberLoss is being written')

class BCELoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('BCELoss is being written')

class BCEWithLogitsLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('BCEWithLogitsLoss is being written')

class CrossEntropyLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('CrossEntropyLoss is being written')

class NLLLoss(Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('NLLLoss is being written')

