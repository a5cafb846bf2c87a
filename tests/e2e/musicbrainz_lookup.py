#!/usr/bin/python3
"""MusicBrainz ids through /v2/lookup as AcoustID clients read them, run by
tests/cli/signet_statements_e2e_test.cc against a live signetd (loopback only).

Looks a file up with Debian's python3-acoustid (pyacoustid), changing only the
base URL, and reads the answer the two ways its users do:
  - pyacoustid's own parse_lookup_result (what `acoustid.match` yields): one
    (score, recording id, title, artist) per recording;
  - beets' chroma plugin (beetsplug/chroma.py, acoustid_match): the best
    result, skipped below score 0.5, its recordings' ids, each of which beets
    then looks up at MusicBrainz, logging "Invalid MBID" for anything that is
    not a UUID (beets.autotag.mb._parse_id's pattern).
Exits 0 when the recording ids are exactly EXPECTED_MBIDS (none: the result
still names the work in "work_id" and carries no "recordings", as AcoustID
answers a track linked to no MusicBrainz recording).

usage: musicbrainz_lookup.py PORT AUDIO_FILE EXPECTED_WORK_ID [EXPECTED_MBID...]
"""
import json
import re
import subprocess
import sys

import acoustid

# beets.autotag.mb: the MBID pattern beets extracts ids with.
MBID = re.compile(r"[a-f0-9]{8}(-[a-f0-9]{4}){3}-[a-f0-9]{12}")
SCORE_THRESH = 0.5  # beetsplug/chroma.py


def beets_recording_ids(response):
    """The recording ids beets' chroma plugin would look up, or None."""
    if response["status"] != "ok" or not response.get("results"):
        return None
    result = response["results"][0]  # Best match.
    if result["score"] < SCORE_THRESH:
        return None
    if not result.get("recordings"):
        return []
    ids = []
    for recording in result["recordings"]:
        if not MBID.fullmatch(recording["id"]):
            raise ValueError("Invalid MBID (%s)." % recording["id"])
        ids.append(recording["id"])
    return ids


def fingerprint_file(path):
    """fpcalc's (duration, fingerprint), as acoustid.fingerprint_file reads
    them; Debian's fpcalc 1.5.1 prints them but exits 3 on the end of some
    Ogg Vorbis files, which pyacoustid treats as a failure, so it is run here."""
    run = subprocess.run(["fpcalc", "-json", path], capture_output=True, text=True)
    out = json.loads(run.stdout)
    return int(out["duration"]), out["fingerprint"]


def main():
    port, path, expected_work = sys.argv[1:4]
    expected = sys.argv[4:]
    acoustid.API_BASE_URL = "http://127.0.0.1:%s/v2/" % port
    acoustid.REQUEST_INTERVAL = 0

    duration, fingerprint = fingerprint_file(path)
    response = acoustid.lookup("any-client-key", fingerprint, duration,
                               meta="recordings releases")
    print("response:", response)
    results = response.get("results", [])
    if not results or results[0].get("work_id") != expected_work:
        print("FAIL: the best result is not work %s" % expected_work)
        return 1
    try:
        ids = beets_recording_ids(response)
    except ValueError as e:
        print("FAIL: beets would refuse it:", e)
        return 1
    if ids != expected:
        print("FAIL: beets reads recording ids %s, expected %s" % (ids, expected))
        return 1
    parsed = list(acoustid.parse_lookup_result(response))
    print("parse_lookup_result:", parsed)
    if [p[1] for p in parsed] != expected:
        print("FAIL: pyacoustid yields %s, expected %s" % (parsed, expected))
        return 1
    if expected and not all(0.5 < p[0] <= 1.0 and p[2] and p[3] for p in parsed):
        print("FAIL: a recording lacks score, title or artist:", parsed)
        return 1
    if not expected and "recordings" in results[0]:
        print("FAIL: a work without MusicBrainz ids has a recordings member")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
