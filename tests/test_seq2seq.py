"""Chapters 12-13: the number task, batches and masks, the encoder-decoder, decoding, scores."""
import numpy as np
import pytest
import torch
from torch import nn

from seqlearn.seq2seq import batch as sb
from seqlearn.seq2seq import decode, models, numbers, train

# written out by hand, so that a change of the generator's grammar shows here
KNOWN = {
    (0, "en"): "zero", (0, "de"): "null", (1, "de"): "eins", (17, "en"): "seventeen",
    (21, "de"): "ein und zwanzig", (42, "en"): "forty two", (101, "de"): "ein hundert eins",
    (342, "de"): "drei hundert zwei und vierzig", (1000, "de"): "ein tausend",
    (2000005, "en"): "two million five", (2000005, "de"): "zwei millionen fünf",
    (1000000, "de"): "eine million", (31000, "de"): "ein und dreißig tausend",
    (999999999, "en"): "nine hundred ninety nine million nine hundred ninety nine thousand "
                       "nine hundred ninety nine",
}


@pytest.mark.parametrize("n, lang", list(KNOWN))
def test_known_numbers(n, lang):
    assert " ".join(numbers.to_words(n, lang)) == KNOWN[n, lang]


def test_every_surface_form_reads_back_to_its_number():
    rng = np.random.default_rng(1)
    for _ in range(3000):
        n = numbers.sample_number(rng, max_digits=12)
        assert numbers.parse(numbers.to_words(n, "en", rng=rng)) == n
        assert numbers.parse(numbers.to_words(n, "de", rng=rng)) == n
    with pytest.raises(ValueError, match="not a number word of this task: 'douze'"):
        numbers.parse(["douze"])


def test_make_pairs_is_distinct_seeded_and_respects_exclusions():
    test = numbers.make_pairs(300, np.random.default_rng(0))
    again = numbers.make_pairs(300, np.random.default_rng(0))
    assert test == again
    train_pairs = numbers.make_pairs(2000, np.random.default_rng(1), exclude=[s for s, _ in test])
    assert not {s for s, _ in test} & {s for s, _ in train_pairs}
    assert len({s for s, _ in train_pairs}) == 2000
    short = numbers.make_pairs(200, np.random.default_rng(2), max_source=4)
    assert max(len(s) for s, _ in short) == 4
    long = numbers.make_pairs(50, np.random.default_rng(3), min_source=14)
    assert min(len(s) for s, _ in long) >= 14
    for s, t in train_pairs[:200]:
        assert int("".join(t)) == numbers.parse(s)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="lang must be one of"):
        numbers.to_words(3, "fr")
    with pytest.raises(ValueError, match=r"n must be in \[0, 10\*\*12\); got -1"):
        numbers.to_words(-1)
    with pytest.raises(ValueError, match="found only 10 distinct pairs"):
        numbers.make_pairs(30, np.random.default_rng(0), max_digits=1, languages=("en",))


@pytest.fixture(scope="module")
def data():
    pairs = numbers.make_pairs(64, np.random.default_rng(0), max_digits=6)
    return pairs, sb.Vocab.for_pairs(pairs)


def test_batch_layout(data):
    pairs, (src_v, tgt_v) = data
    b = sb.make_batch(pairs[:5], src_v, tgt_v)
    for k, (s, t) in enumerate(pairs[:5]):
        n = len(s)
        assert b.src_lengths[k] == n and src_v.decode(b.src[k]) == s
        assert (b.src[k, n:] == sb.PAD).all() and b.src_mask[k].sum() == n
        assert b.tgt_in[k, 0] == sb.SOS and b.tgt_out[k, len(t)] == sb.EOS
        assert torch.equal(b.tgt_in[k, 1:len(t) + 1], b.tgt_out[k, :len(t)])
        assert (b.tgt_out[k, len(t) + 1:] == sb.PAD).all()
    assert src_v.itos[:4] == list(sb.SPECIALS) and src_v.encode(["nonsense"]) == [sb.UNK]
    with pytest.raises(ValueError, match="at least one pair"):
        sb.make_batch([], src_v, tgt_v)


def test_final_state_takes_each_direction_of_the_last_layer():
    torch.manual_seed(0)
    rnn = nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.randn(5, 7, 3)
    out, h = rnn(x)
    last = models.final_state(h, 2, True)
    # forward half: the output at the last step; reverse half: the output at step 0
    assert torch.equal(last[:, :4], out[:, -1, :4]) and torch.equal(last[:, 4:], out[:, 0, 4:])
    assert not torch.equal(last, h[-2:].reshape(5, 8))            # the view that mixes the batch


CONFIGS = [(cell, att) for cell in models.CELLS for att in models.ATTENTION]


def tiny(cell, attention, data, dtype=torch.float64):
    _, (src_v, tgt_v) = data
    torch.manual_seed(0)
    return models.build(cell, len(src_v), len(tgt_v), attention=attention, embedding_size=6,
                        hidden_size=8).to(dtype)


@pytest.mark.parametrize("cell, attention", CONFIGS)
def test_padding_changes_nothing_and_gets_no_gradient(cell, attention, data):
    """A source padded further, or with other values in its padding, decodes the same logits."""
    pairs, vocabs = data
    model = tiny(cell, attention, data)
    b = sb.make_batch(pairs[:6], *vocabs)
    logits, weights = model(b)
    wide = sb.Batch(torch.cat([b.src, torch.zeros(6, 3, dtype=torch.long)], 1), b.src_lengths,
                    b.tgt_in, b.tgt_out)
    logits_wide, weights_wide = model(wide)
    torch.testing.assert_close(logits_wide, logits, rtol=1e-12, atol=1e-12)
    loss = train.masked_loss(logits, b.tgt_out)
    loss.backward()
    for emb in (model.encoder.embedding, model.decoder.embedding):
        assert torch.count_nonzero(emb.weight.grad[sb.PAD]) == 0
        assert torch.count_nonzero(emb.weight[sb.PAD]) == 0
    if attention is None:
        assert weights is None
        return
    real = b.src_mask[:, None, :].expand_as(weights)
    assert (weights[~real] == 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(weights.shape[:2], dtype=weights.dtype))
    torch.testing.assert_close(weights_wide[..., :b.src.shape[1]], weights, rtol=1e-12, atol=1e-12)


def test_masked_loss_ignores_padded_targets(data):
    pairs, vocabs = data
    model = tiny("GRU", None, data)
    b = sb.make_batch(pairs[:6], *vocabs)
    logits, _ = model(b)
    by_hand = []
    for k, (_, t) in enumerate(pairs[:6]):
        n = len(t) + 1
        by_hand += list(nn.functional.cross_entropy(logits[k, :n], b.tgt_out[k, :n], reduction="none"))
    torch.testing.assert_close(train.masked_loss(logits, b.tgt_out), torch.stack(by_hand).mean())


@pytest.mark.parametrize("cell, attention", [("GRU", None), ("LSTM", "additive"), ("BiLSTM", "dot"),
                                             ("GRU", "general")])
def test_teacher_forcing_and_free_running(cell, attention, data):
    """p = 1 reads the true tokens, p = 0 the model's own argmax: the same as greedy decoding."""
    pairs, vocabs = data
    model = tiny(cell, attention, data)
    b = sb.make_batch(pairs[:8], *vocabs)
    free, _ = model(b, teacher_forcing=0.0, generator=torch.Generator().manual_seed(0))
    ids, _ = decode.greedy(model, b.src, b.src_lengths, max_len=b.tgt_in.shape[1])
    own = free.argmax(-1)
    for k in range(8):                                   # up to each greedy output's first EOS
        n = ids.shape[1] if (ids[k] != sb.EOS).all() else int((ids[k] == sb.EOS).nonzero()[0]) + 1
        assert torch.equal(own[k, :n], ids[k, :n])
    forced, _ = model(b)
    step = []                                             # teacher forcing, one step at a time
    memory, mask, state = model.encode(b.src, b.src_lengths)
    for t in range(b.tgt_in.shape[1]):
        out, state, _ = model.decoder(b.tgt_in[:, t], state, memory, mask, model.decoder.prepare(memory))
        step.append(out)
    torch.testing.assert_close(forced, torch.stack(step, 1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell, attention", [("GRU", None), ("LSTM", "additive"), ("BiLSTM", "general")])
def test_beam_of_width_one_is_greedy(cell, attention, data):
    pairs, vocabs = data
    model = tiny(cell, attention, data)
    b = sb.make_batch(pairs[:16], *vocabs)
    ids, _ = decode.greedy(model, b.src, b.src_lengths, max_len=12)
    for k in range(16):
        beam, score, logp = decode.beam_search(model, b.src[k, :b.src_lengths[k]], b.src_lengths[k], 1,
                                               max_len=12, alpha=0.0)
        row = ids[k].tolist()
        row = row[:row.index(sb.EOS) + 1] if sb.EOS in row else row
        assert beam == row and score == logp


def sequence_logp(model, src, ids):
    """log p(ids | src) by teacher forcing, summed over the steps."""
    tgt_in = torch.tensor([[sb.SOS] + ids[:-1]])
    b = sb.Batch(src[None], torch.tensor([len(src)]), tgt_in, torch.tensor([ids]))
    logits, _ = model(b)
    return logits.log_softmax(-1)[0].gather(1, b.tgt_out[0][:, None]).sum().item()


def test_beam_search_scores_are_the_model_log_probabilities_and_never_worse(data):
    pairs, vocabs = data
    model = tiny("GRU", "additive", data)
    b = sb.make_batch(pairs[:10], *vocabs)
    for k in range(10):
        src = b.src[k, :b.src_lengths[k]]
        greedy_ids, _, greedy_logp = decode.beam_search(model, src, len(src), 1, 12, alpha=0.0)
        ids, score, logp = decode.beam_search(model, src, len(src), 4, 12, alpha=0.0)
        assert logp == pytest.approx(sequence_logp(model, src, ids), abs=1e-10)
        assert score == logp
        if greedy_ids[-1] == sb.EOS and ids[-1] == sb.EOS:
            assert logp >= greedy_logp - 1e-12
        _, score1, logp1 = decode.beam_search(model, src, len(src), 4, 12, alpha=1.0)
        assert score1 <= 0 and logp1 <= 0
    with pytest.raises(ValueError, match="beam_size must be at least 1; got 0"):
        decode.beam_search(model, src, len(src), 0)


def test_scores():
    pairs = [(("a",), ("1", "2")), (("b",), ("3",))]
    got = train.scores([("1", "2"), ("3", "4")], pairs)
    assert got == {"exact": 0.5, "token": pytest.approx((1 + 0.5) / 2), "n": 2}
    assert train.token_accuracy(("1",), ("1", "2")) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="1 outputs for 2 pairs"):
        train.scores([("1",)], pairs)


def test_fit_learns_a_tiny_task_and_is_seeded(data):
    """Counting words: a source of n words maps to the digit n. Learnable in a few epochs."""
    rng = np.random.default_rng(0)
    words = [str(w) for w in "abcdefgh"]
    pairs = [(tuple(rng.choice(words, n)), (str(n),)) for n in rng.integers(1, 8, 400)]
    vocabs = sb.Vocab.for_pairs(pairs)
    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        model = models.build("GRU", len(vocabs[0]), len(vocabs[1]), embedding_size=8, hidden_size=16)
        losses.append(train.fit(model, pairs, vocabs, epochs=15, lr=1e-2, batch_size=32, seed=0))
    assert losses[0] == losses[1] and losses[0][-1] < 0.3 * losses[0][0]
    predicted = train.decode_all(model, pairs, vocabs)
    assert train.scores(predicted, pairs)["exact"] > 0.9
    assert train.teacher_forced_accuracy(model, pairs, vocabs) > 0.9
