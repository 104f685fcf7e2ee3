"""nbval runs the chapters in kernels started from this pytest process: switch progress bars off.

tqdm reads TQDM_DISABLE, and seqlearn.train.progress follows it, so the outputs a fresh run
prints are those stored in the notebooks (which tools/nbtools.py run makes the same way).
"""
import os

os.environ["TQDM_DISABLE"] = "1"
