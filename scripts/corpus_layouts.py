"""Synthetic corpora in the release layouts of MSP-Podcast, MELD, CREMA-D and RAVDESS
(scripts/make_corpus --layout ...), each with the quirks merhan's readers must handle
(data/msp_podcast_reader.h, meld_reader.h, crema_d_reader.h, ravdess_reader.h):

  msp-podcast  Labels/labels_consensus.csv and .json (the same rows), Audios/*.wav,
               Transcripts/*.txt; every class A S H U F D C N O X, an `Unknown` speaker
               in two splits, Train/Development/Test1/Test2, one stereo 44.1 kHz file,
               one segment without a transcript.
  meld         {train,dev,test}_sent_emo.csv (UTF-8, curly quotes, CRLF, quoted fields
               with commas), mp4 (AAC audio + a tiny video stream, made with the ffmpeg
               tool) in train_splits/, dev_splits_complete/, output_repeated_splits_test/
               (test files with and without the final_videos_test prefix); the release's
               missing media (train dia125_utt3, dev dia110_utt7), a corrupt mp4 and a
               61 s cut; a speaker in several splits.
  crema-d      AudioWAV/<actor>_<sentence>_<emotion>_<level>.wav, VideoDemographics.csv;
               5 actors, every emotion, levels LO MD HI and XX.
  ravdess      Actor_NN/03-01-EE-II-SS-RR-AA.wav at 48 kHz; 5 actors, every emotion
               (calm included), a song file (03-02-..., speech readers leave it out).

ground_truth.jsonl has one row per labelled item of the label files: id (as the reader
names it), code (the release's label), speaker (namespaced as the reader names it),
split, text, wav, and left_out (null, or the reason the reader must give). Speech is
espeak-ng with sox, as make_corpus's IEMOCAP layout; tiny by default (20-30 items).
"""
import json
import os
import random
import shutil
import subprocess

# Prosody class of each release code: pitch, rate, amplitude deltas (make_corpus's PROSODY).
PROSODY = {"neu": (0, 0, 0), "hap": (16, 22, 30), "ang": (4, 30, 75), "sad": (-16, -45, -40), "oth": (8, -10, 10)}
CLASS_OF = {
    "N": "neu", "H": "hap", "A": "ang", "S": "sad",
    "neutral": "neu", "joy": "hap", "anger": "ang", "sadness": "sad",
    "NEU": "neu", "HAP": "hap", "ANG": "ang", "SAD": "sad",
    "calm": "neu", "happy": "hap", "angry": "ang", "sad": "sad",
}
VOICES = ["en-us+f1", "en-us+m1", "en-gb+f2", "en-gb+m3", "en-us+f3", "en-us+m2"]
WORDS = {"neu": "fine", "hap": "happy", "ang": "angry", "sad": "sad", "oth": "surprised"}


def synth(path, text, code, voice_index, rng, rate=16000, channels=1):
    """espeak-ng -> sox: a wav at `rate` Hz with `channels` channels (16-bit)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    dp, ds, da = PROSODY[CLASS_OF.get(code, "oth")]
    voice = VOICES[voice_index % len(VOICES)]
    args = ["espeak-ng", "-v", voice, "-p", str(50 + dp + rng.randint(-3, 3)), "-s", str(165 + ds),
            "-a", str(100 + da), "--stdout", text]
    espeak = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    remix = ["remix", "1", "1v0.5"] if channels == 2 else []
    sox = subprocess.run(["sox", "-V1", "-R", "-t", "wav", "-", "-r", str(rate), "-b", "16", "-c", str(channels),
                          "-e", "signed-integer", "-D", path] + remix, stdin=espeak.stdout, stderr=subprocess.PIPE)
    espeak.stdout.close()
    if espeak.wait() != 0 or sox.returncode != 0:
        raise RuntimeError(f"synthesis failed for {path}: {sox.stderr.decode()}")


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y"] + list(args), check=True)


def sentence(code, rng):
    word = WORDS[CLASS_OF.get(code, "oth")]
    return rng.choice([f"I am {word} about the news.", f"Well, this makes me {word}.", f"We were {word} all day."])


def write_truth(out, rows):
    with open(os.path.join(out, "ground_truth.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=True) + "\n")


# --- MSP-Podcast ------------------------------------------------------------------
MSP_PLAN = [  # (SpkrID, Gender, Split_Set, codes)
    ("127", "Female", "Train", "N H A S X"),
    ("128", "Male", "Train", "N H A S O C"),
    ("Unknown", "Unknown", "Train", "N H"),
    ("200", "Female", "Development", "N H A S U"),
    ("300", "Male", "Test1", "N H A S F D"),
    ("Unknown", "Unknown", "Test1", "S"),
    ("301", "Female", "Test2", "N A"),
]
MSP_SPLIT = {"Train": "train", "Development": "validation", "Test1": "test1", "Test2": "test2"}


def write_msp_podcast(out, rng, repeat):
    root = os.path.join(out, "MSP-Podcast")
    shutil.rmtree(root, ignore_errors=True)
    for sub in ("Labels", "Audios", "Transcripts"):
        os.makedirs(os.path.join(root, sub))
    rows, truth, segment = [], [], 0
    for podcast, (spk, gender, split, codes) in enumerate(MSP_PLAN, start=1):
        for code in codes.split() * repeat:
            segment += 1
            stem = f"MSP-PODCAST_{podcast:04d}_{segment:04d}"
            text = sentence(code, rng)
            stereo = segment == 2  # one stereo 44.1 kHz file, as some of the release's
            synth(os.path.join(root, "Audios", stem + ".wav"), text, code, podcast, rng,
                  rate=44100 if stereo else 16000, channels=2 if stereo else 1)
            missing_transcript = split == "Test1" and code == "N"
            if not missing_transcript:
                with open(os.path.join(root, "Transcripts", stem + ".txt"), "w") as f:
                    f.write(text + "\nsecond line the reader ignores\n")
            act, val, dom = (round(rng.uniform(1, 7), 1) for _ in range(3))
            rows.append((stem + ".wav", code, act, val, dom, spk, gender, split))
            speaker = f"msp:Unknown@{MSP_SPLIT[split]}" if spk == "Unknown" else f"msp:{spk}"
            truth.append({"id": stem, "code": code, "speaker": speaker, "split": MSP_SPLIT[split],
                          "text": None if missing_transcript else text, "wav": f"MSP-Podcast/Audios/{stem}.wav",
                          "channels": 2 if stereo else 1, "rate": 44100 if stereo else 16000,
                          "left_out": "no transcript" if missing_transcript else None})
    header = "FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set"
    with open(os.path.join(root, "Labels", "labels_consensus.csv"), "w", newline="\n") as f:
        f.write(header + "\n" + "".join(",".join(str(x) for x in r) + "\n" for r in rows))
    labels = {r[0]: {"EmoClass": r[1], "EmoAct": r[2], "EmoVal": r[3], "EmoDom": r[4],
                     "SpkrID": int(r[5]) if r[5].isdigit() else r[5], "Gender": r[6], "Split_Set": r[7]} for r in rows}
    with open(os.path.join(root, "Labels", "labels_consensus.json"), "w") as f:
        json.dump(labels, f, indent=1)
    write_truth(out, truth)
    return len(truth)


# --- MELD ---------------------------------------------------------------------------
MELD_PLAN = {  # split -> [(dialogue, utterance, speaker, emotion, quirk)]
    "train": [(0, 0, "Chandler", "neutral", None), (0, 1, "Monica", "joy", None), (0, 2, "Ross", "anger", None),
              (1, 0, "Chandler", "sadness", None), (1, 1, "Ross", "surprise", None), (1, 2, "Monica", "fear", None),
              (2, 0, "Ross", "joy", "corrupt"), (2, 1, "Chandler", "disgust", None),
              (125, 3, "Monica", "neutral", "missing")],
    "dev": [(0, 0, "Joey", "neutral", None), (0, 1, "Monica", "anger", None), (0, 2, "Joey", "sadness", None),
            (110, 7, "Joey", "joy", "missing")],
    "test": [(0, 0, "Rachel", "joy", "prefix"), (0, 1, "Chandler", "neutral", "prefix"),
             (1, 0, "Rachel", "sadness", None), (1, 1, "Rachel", "anger", "prefix"), (3, 1, "Rachel", "neutral", "long")],
}
MELD_FOLDER = {"train": "train_splits", "dev": "dev_splits_complete", "test": "output_repeated_splits_test"}
MELD_SPLIT = {"train": "train", "dev": "validation", "test": "test"}
MELD_REASON = {"corrupt": "unreadable media", "missing": "missing media", "long": "longer than 60 s"}


def meld_text(rng, emotion):
    # Curly quotes and a comma inside the quoted field, as the release writes them.
    return rng.choice([f"Oh, I\u2019m {WORDS[CLASS_OF.get(emotion, 'oth')]}, you know?",
                       f"\u201cWait,\u201d he said, \u201cthat\u2019s {WORDS[CLASS_OF.get(emotion, 'oth')]}.\u201d"])


def meld_media(path, text, emotion, speaker_index, rng, quirk, video):
    if quirk == "missing":
        return
    if quirk == "corrupt":
        with open(path, "wb") as f:
            f.write(b"\x00\x00\x00\x18ftypmp42" + bytes(rng.randrange(256) for _ in range(2000)))
        return
    wav = path + ".wav"
    if quirk == "long":
        ffmpeg("-f", "lavfi", "-i", "sine=frequency=220:sample_rate=16000:duration=61", wav)
    else:
        synth(wav, text, emotion, speaker_index, rng)
    if video:  # a video stream beside the audio, as the release's: the reader picks the audio
        ffmpeg("-f", "lavfi", "-i", "color=c=black:s=16x16:r=5", "-i", wav, "-map", "0:v", "-map", "1:a",
               "-c:v", "mpeg4", "-c:a", "aac", "-b:a", "48k", "-shortest", path)
    else:
        ffmpeg("-i", wav, "-c:a", "aac", "-b:a", "48k", path)
    os.remove(wav)


def write_meld(out, rng, repeat):
    root = os.path.join(out, "MELD.Raw")
    shutil.rmtree(root, ignore_errors=True)
    truth, speakers = [], {}
    for split, plan in MELD_PLAN.items():
        folder = os.path.join(root, MELD_FOLDER[split])
        os.makedirs(folder)
        lines = ["Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode,StartTime,EndTime"]
        rows = [(d + 1000 * r if r else d, u, s, e, q) for r in range(repeat) for (d, u, s, e, q) in plan]
        for n, (dia, utt, speaker, emotion, quirk) in enumerate(rows, start=1):
            text = meld_text(rng, emotion)
            name = f"dia{dia}_utt{utt}.mp4"
            media = os.path.join(folder, ("final_videos_test" if quirk == "prefix" else "") + name)
            meld_media(media, text, emotion, speakers.setdefault(speaker, len(speakers)), rng, quirk, video=n == 1)
            start = 16 * 60 + 16 + utt * 3
            quoted = '"' + text.replace('"', '""') + '"'
            lines.append(f"{n},{quoted},{speaker},{emotion},neutral,{dia},{utt},3,{dia % 20 + 1},"
                         f"\"00:{start // 60:02d}:{start % 60:02d},059\",\"00:{start // 60:02d}:{start % 60 + 2:02d},"
                         f"310\"")
            truth.append({"id": f"{split}_dia{dia}_utt{utt}", "code": emotion, "speaker": f"meld:{speaker}",
                          "split": MELD_SPLIT[split], "text": text, "wav": os.path.relpath(media, out),
                          "left_out": MELD_REASON.get(quirk)})
        with open(os.path.join(root, f"{split}_sent_emo.csv"), "w", encoding="utf-8", newline="") as f:
            f.write("\r\n".join(lines) + "\r\n")
    write_truth(out, truth)
    return len(truth)


# --- CREMA-D ------------------------------------------------------------------------
CREMA_SENTENCES = {
    "IEO": "It's eleven o'clock.", "TIE": "That is exactly what happened.", "IOM": "I'm on my way to the meeting.",
    "IWW": "I wonder what this is about.", "TAI": "The airplane is almost full.",
    "MTI": "Maybe tomorrow it will be cold.", "IWL": "I would like a new alarm clock.",
    "ITH": "I think I have a doctor's appointment.", "DFA": "Don't forget a jacket.",
    "ITS": "I think I've seen this before.", "TSI": "The surface is slick.", "WSI": "We'll stop in a couple of minutes.",
}
CREMA_ACTORS = [("1001", 51, "Male"), ("1002", 21, "Female"), ("1003", 58, "Female"), ("1004", 42, "Female"),
                ("1005", 29, "Male")]
CREMA_EMOTIONS = ["ANG", "DIS", "FEA", "HAP", "NEU", "SAD"]


def write_crema_d(out, rng, repeat):
    root = os.path.join(out, "CREMA-D")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "AudioWAV"))
    truth = []
    sentences = sorted(CREMA_SENTENCES)
    n = 0
    for a, (actor, _, sex) in enumerate(CREMA_ACTORS):
        for k in range(4 * repeat):
            emotion = CREMA_EMOTIONS[(a + k) % len(CREMA_EMOTIONS)]
            sentence_code = sentences[n % len(sentences)]
            level = "XX" if emotion == "NEU" or k % 4 == 3 else ["LO", "MD", "HI"][k % 3]
            stem = f"{actor}_{sentence_code}_{emotion}_{level}"
            synth(os.path.join(root, "AudioWAV", stem + ".wav"), CREMA_SENTENCES[sentence_code], emotion, a, rng)
            truth.append({"id": stem, "code": emotion, "speaker": f"crema:{actor}", "split": "",
                          "text": CREMA_SENTENCES[sentence_code], "wav": f"CREMA-D/AudioWAV/{stem}.wav",
                          "gender": sex, "level": level, "left_out": None})
            n += 1
    with open(os.path.join(root, "VideoDemographics.csv"), "w", newline="\n") as f:
        f.write("ActorID,Age,Sex,Race,Ethnicity\n")
        for actor, age, sex in CREMA_ACTORS:
            f.write(f"{actor},{age},{sex},Caucasian,Not Hispanic\n")
    write_truth(out, truth)
    return len(truth)


# --- RAVDESS ------------------------------------------------------------------------
RAVDESS_EMOTIONS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
RAVDESS_STATEMENTS = ["Kids are talking by the door.", "Dogs are sitting by the door."]


def write_ravdess(out, rng, repeat):
    root = os.path.join(out, "RAVDESS")
    shutil.rmtree(root, ignore_errors=True)
    truth = []
    for actor in range(1, 6):
        folder = os.path.join(root, f"Actor_{actor:02d}")
        items = [(1 + (actor + k) % 8, 1 if k % 2 == 0 or (actor + k) % 8 == 0 else 2, 1 + k % 2, 1 + (k // 2) % 2, 1)
                 for k in range(4 * repeat)]
        if actor == 2:
            items.append((3, 1, 1, 1, 2))  # a song (vocal channel 02), happy: the reader leaves it out as a song
        for emotion, intensity, statement, repetition, channel in items:
            stem = f"03-{channel:02d}-{emotion:02d}-{intensity:02d}-{statement:02d}-{repetition:02d}-{actor:02d}"
            text = RAVDESS_STATEMENTS[statement - 1]
            synth(os.path.join(folder, stem + ".wav"), text, RAVDESS_EMOTIONS[emotion - 1], actor, rng, rate=48000)
            truth.append({"id": stem, "code": RAVDESS_EMOTIONS[emotion - 1], "speaker": f"ravdess:{actor:02d}",
                          "split": "", "text": text, "wav": f"RAVDESS/Actor_{actor:02d}/{stem}.wav",
                          "gender": "male" if actor % 2 else "female", "left_out": "song" if channel == 2 else None})
    write_truth(out, truth)
    return len(truth)


WRITERS = {"msp-podcast": write_msp_podcast, "meld": write_meld, "crema-d": write_crema_d, "ravdess": write_ravdess}
REPEAT = {"tiny": 1, "small": 5, "full": 20}


def write_layout(layout, out, size, seed):
    """Writes `layout` under `out`; returns the number of labelled items."""
    for tool in ("espeak-ng", "sox") + (("ffmpeg",) if layout == "meld" else ()):
        if shutil.which(tool) is None:
            raise SystemExit(f"make_corpus: {tool} not found (Debian package {tool})")
    os.makedirs(out, exist_ok=True)
    return WRITERS[layout](out, random.Random(seed), REPEAT[size])
