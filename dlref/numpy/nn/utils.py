"""Gradient clipping (STUB: being written; replace this file entirely)."""


def clip_grad_norm_(*args, **kwargs):
    raise NotImplementedError('clip_grad_norm_ is being written')

def clip_grad_value_(*args, **kwargs):
    raise NotImplementedError('clip_grad_value_ is being written')

