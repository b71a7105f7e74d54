"""The Nanonis commands the emulator answers: argument decoding, state change, return values.

Argument and return types follow the vendor's interface description (as `nanonis_spm` sends
and parses them). A command the emulator does not know, or arguments it refuses, come back
with the error section set, as the real controller answers.
"""

from __future__ import annotations

from collections.abc import Callable

from hardware.emulators.nanonis import (
    N_SIGNALS,
    SIGNAL_NAMES,
    NanonisCommandError,
    NanonisEmulator,
    Segment,
)
from hardware.emulators.nanonis_codec import BodyReader, BodyWriter, NanonisFramingError

Handler = Callable[[NanonisEmulator, BodyReader], BodyWriter]
COMMANDS: dict[str, Handler] = {}
#: Return values sent with an error (zero counts), so a client can still parse the reply.
ON_ERROR: dict[str, bytes] = {}


def command(name: str, on_error: BodyWriter | None = None) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        if on_error is not None:
            ON_ERROR[name] = on_error.bytes()
        return fn

    return register


def dispatch(emu: NanonisEmulator, name: str, body: bytes) -> tuple[bytes, str]:
    """(return values, error text) of one command."""
    handler = COMMANDS.get(name)
    if handler is None:
        return b"", f"Command not found: {name}"
    with emu.lock:
        emu.commands_seen += 1
        emu.update()
        try:
            return handler(emu, BodyReader(name, body)).bytes(), ""
        except (NanonisCommandError, NanonisFramingError) as exc:
            return ON_ERROR.get(name, b""), str(exc)


def _empty() -> BodyWriter:
    return BodyWriter()


# ---- bias ---------------------------------------------------------------------------------------
@command("Bias.Set")
def _bias_set(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    emu.bias_v = float(r.scalar("f"))
    return _empty()


@command("Bias.Get")
def _bias_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return BodyWriter().scalar("f", emu.bias_v)


@command("Bias.Pulse")
def _bias_pulse(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    _wait, width_s, volts = r.scalar("I"), float(r.scalar("f")), float(r.scalar("f"))
    _hold, relative = r.scalar("H"), r.scalar("H")
    value = emu.bias_v + volts if relative == 1 else volts
    emu.clock.sleep(max(width_s, 0.0))
    if emu.landing is not None and value != 0.0:
        emu.landing.writes_v.append(value)
    return _empty()


# ---- Z controller, auto-approach, coarse motor --------------------------------------------------
@command("ZCtrl.OnOffSet")
def _z_onoff_set(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    emu.set_zctrl(bool(r.scalar("I")))
    return _empty()


@command("ZCtrl.OnOffGet")
def _z_onoff_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return BodyWriter().scalar("I", int(emu.zctrl_on))


@command("ZCtrl.Withdraw")
def _z_withdraw(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    r.scalar("I"), r.scalar("i")
    emu.withdraw()
    return _empty()


@command("ZCtrl.ZPosGet")
def _z_pos_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return BodyWriter().scalar("f", emu.z_m)


@command("AutoApproach.Open")
def _aa_open(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return _empty()


@command("AutoApproach.OnOffSet")
def _aa_onoff_set(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    if r.scalar("H"):
        emu.start_approach()
    else:
        emu.stop_approach()
    return _empty()


@command("AutoApproach.OnOffGet")
def _aa_onoff_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return BodyWriter().scalar("H", int(emu.approach_until is not None))


@command("Motor.StartMove")
def _motor_move(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    direction, steps = int(r.scalar("I")), int(r.scalar("H"))
    r.scalar("I"), r.scalar("I")
    emu.motor_move(direction, steps)
    return _empty()


# ---- Follow Me, scan frame ----------------------------------------------------------------------
@command("FolMe.XYPosSet")
def _folme_set(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    x_m, y_m = float(r.scalar("d")), float(r.scalar("d"))
    r.scalar("I")
    emu.folme_move(x_m, y_m)
    return _empty()


@command("FolMe.XYPosGet")
def _folme_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    r.scalar("I")
    return BodyWriter().scalar("d", emu.folme_m[0]).scalar("d", emu.folme_m[1])


@command("Scan.FrameGet")
def _frame_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    w_um, h_um = emu.scan_frame_um
    out = BodyWriter().scalar("f", 0.0).scalar("f", 0.0)
    return out.scalar("f", w_um * 1e-6).scalar("f", h_um * 1e-6).scalar("f", 0.0)


# ---- lock-in ------------------------------------------------------------------------------------
def _modulator(emu: NanonisEmulator, r: BodyReader) -> int:
    k = int(r.scalar("i"))
    if k not in emu.lockins:
        raise NanonisCommandError(f"lock-in modulator {k} does not exist (1..8)")
    return k


@command("LockIn.ModOnOffSet")
def _li_on_set(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    k = _modulator(emu, r)
    emu.lockins[k].on = bool(r.scalar("I"))
    return _empty()


@command("LockIn.ModOnOffGet", BodyWriter().scalar("I", 0))
def _li_on_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return BodyWriter().scalar("I", int(emu.lockins[_modulator(emu, r)].on))


@command("LockIn.ModPhasFreqSet")
def _li_freq_set(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    k = _modulator(emu, r)
    emu.lockins[k].freq_hz = float(r.scalar("d"))
    return _empty()


@command("LockIn.ModPhasFreqGet", BodyWriter().scalar("d", 0.0))
def _li_freq_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return BodyWriter().scalar("d", emu.lockins[_modulator(emu, r)].freq_hz)


@command("LockIn.ModAmpSet")
def _li_amp_set(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    k = _modulator(emu, r)
    emu.lockins[k].amp_v = float(r.scalar("f"))
    return _empty()


@command("LockIn.ModAmpGet", BodyWriter().scalar("f", 0.0))
def _li_amp_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return BodyWriter().scalar("f", emu.lockins[_modulator(emu, r)].amp_v)


@command("LockIn.ModSignalSet")
def _li_mod_signal_set(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    k = _modulator(emu, r)
    emu.lockins[k].modulated_signal = _signal_index(r)
    return _empty()


@command("LockIn.ModSignalGet", BodyWriter().scalar("i", 0))
def _li_mod_signal_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return BodyWriter().scalar("i", emu.lockins[_modulator(emu, r)].modulated_signal)


@command("LockIn.DemodSignalSet")
def _li_demod_signal_set(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    k = _modulator(emu, r)
    emu.lockins[k].demodulated_signal = _signal_index(r)
    return _empty()


@command("LockIn.DemodSignalGet", BodyWriter().scalar("i", 0))
def _li_demod_signal_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return BodyWriter().scalar("i", emu.lockins[_modulator(emu, r)].demodulated_signal)


def _signal_index(r: BodyReader) -> int:
    k = int(r.scalar("i"))
    if not 0 <= k < N_SIGNALS:
        raise NanonisCommandError(f"signal index {k} out of 0..{N_SIGNALS - 1}")
    return k


# ---- signals ------------------------------------------------------------------------------------
@command("Signals.NamesGet")
def _names_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    names = [SIGNAL_NAMES.get(k, f"Input {k} (V)") for k in range(N_SIGNALS)]
    return BodyWriter().strings(names)


@command("Signals.ValsGet", BodyWriter().floats([]))
def _vals_get(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    indexes = [int(k) for k in r.prefixed_array("i")]
    r.scalar("I")
    bad = [k for k in indexes if not 0 <= k < N_SIGNALS]
    if bad:
        raise NanonisCommandError(
            f"Signals.ValsGet: signal index {bad[0]} out of 0..{N_SIGNALS - 1}"
        )
    return BodyWriter().floats([emu.signal(k) for k in indexes])


# ---- bias spectroscopy --------------------------------------------------------------------------
@command("BiasSpectr.Open")
def _bs_open(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return _empty()


@command("BiasSpectr.ChsSet")
def _bs_chs(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    channels = [int(k) for k in r.prefixed_array("i")]
    if any(not 0 <= k < N_SIGNALS for k in channels):
        raise NanonisCommandError(
            f"BiasSpectr.ChsSet: channel indexes must be in 0..{N_SIGNALS - 1}"
        )
    emu.channels = channels
    return _empty()


@command("BiasSpectr.MLSModeSet")
def _bs_mode(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    mode = r.string()
    if mode != "MLS":
        raise NanonisCommandError(
            f"BiasSpectr.MLSModeSet: the emulator sweeps in MLS mode only, not {mode!r}"
        )
    return _empty()


@command("BiasSpectr.MLSValsSet")
def _bs_mls(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    n = int(r.scalar("i"))
    if not 1 <= n <= 16:
        raise NanonisCommandError(f"BiasSpectr.MLSValsSet: {n} segments; 1 to 16 are allowed")
    cols = [r.array("f", n) for _ in range(5)]
    steps, _lockin = r.array("i", n), r.array("i", n)
    emu.mls = [
        Segment(float(a), float(b), float(c), float(d), float(e), int(s))
        for a, b, c, d, e, s in zip(*cols, steps, strict=True)
    ]
    if any(seg.steps < 1 for seg in emu.mls):
        raise NanonisCommandError("BiasSpectr.MLSValsSet: every segment needs at least 1 step")
    return _empty()


@command("BiasSpectr.AdvPropsSet")
def _bs_adv(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    r.array("H", 4)
    return _empty()


@command("BiasSpectr.Start", BodyWriter().strings([]).scalar("i", 0).scalar("i", 0).floats([]))
def _bs_start(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    r.scalar("I"), r.string()
    names, data = emu.spectroscopy()
    return BodyWriter().strings(names).floats_2d(data).floats([])


@command("BiasSpectr.Stop")
def _bs_stop(emu: NanonisEmulator, r: BodyReader) -> BodyWriter:
    return _empty()
