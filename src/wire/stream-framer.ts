/**
 * Splits a TURN-over-TCP (or TLS) byte stream into STUN messages and
 * ChannelData frames (RFC 8656 §3.1, §12.5).
 *
 * A stream has no datagram boundaries, so each frame must say how long it is.
 * The first two bits tell which kind comes next: 0b00 is STUN, whose length
 * is 20 + the header's Message Length; 0b01 is ChannelData, whose length is
 * 4 + its Length rounded up to a multiple of 4 (the padding is mandatory over
 * streams for exactly this reason). Anything else means the stream is out of
 * step and cannot be trusted again: the framer reports it and stops; the
 * connection should be closed.
 *
 * Frames are returned as soon as their last byte arrives, however the stream
 * was chunked. Memory is bounded: no frame can exceed 20 + 65535 bytes, and
 * bytes are only copied when a frame spans chunks (a frame that lies inside
 * one pushed chunk is a view into that chunk).
 */

import type { WireDecodeError } from './errors.js';

/** One frame cut from a TCP or TLS stream (RFC 8656 §3.1), by its kind. */
export type StreamFrame =
  /** A complete STUN message, to hand to `decodeStunMessage`. */
  | { readonly kind: 'stun'; readonly bytes: Uint8Array }
  /** A complete, padded ChannelData frame, to hand to `decodeChannelData(bytes, { stream: true })`. */
  | { readonly kind: 'channel-data'; readonly bytes: Uint8Array };

/** The stream is out of step: a frame started with bits 0b10 or 0b11. `offset` counts from the start of the stream. */
export type StreamFramerError = WireDecodeError<'bad-leading-bits'>;

/** The frames completed by the bytes pushed so far, and the error once the stream is out of step. */
export interface StreamFramerResult {
  readonly frames: StreamFrame[];
  /** Set once the stream is out of step; it stays set and no further frames come. */
  readonly error?: StreamFramerError;
}

/** Cuts a byte stream into STUN messages and ChannelData frames; push chunks as they arrive. */
export class StreamFramer {
  /** Pending chunks; those before `first` are used up (an index, not shift(), keeps tiny chunks O(n)). */
  private chunks: Uint8Array[] = [];
  private first = 0;
  /** Bytes of `chunks[first]` already consumed. */
  private head = 0;
  private size = 0;
  private streamOffset = 0;
  private failure: StreamFramerError | undefined;

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.size;
  }

  get error(): StreamFramerError | undefined {
    return this.failure;
  }

  /** Feeds the next bytes of the stream; returns the frames they complete. Never throws. */
  push(chunk: Uint8Array): StreamFramerResult {
    const frames: StreamFrame[] = [];
    if (this.failure !== undefined) return { frames, error: this.failure };
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    while (this.size >= 4) {
      const first = this.peek(0);
      const lengthField = (this.peek(2) << 8) | this.peek(3);
      let kind: StreamFrame['kind'];
      let frameLength: number;
      if (first >> 6 === 0) {
        kind = 'stun';
        frameLength = 20 + lengthField;
      } else if (first >> 6 === 1) {
        kind = 'channel-data';
        frameLength = 4 + ((lengthField + 3) & ~3);
      } else {
        this.failure = {
          code: 'bad-leading-bits',
          message: `byte 0x${first.toString(16).padStart(2, '0')} starts neither a STUN message (0b00) nor ChannelData (0b01); the stream is out of step`,
          offset: this.streamOffset,
        };
        return { frames, error: this.failure };
      }
      if (this.size < frameLength) break;
      frames.push({ kind, bytes: this.take(frameLength) } as StreamFrame);
    }
    return { frames };
  }

  /** The byte `index` bytes past the read position (index < size). */
  private peek(index: number): number {
    let i = this.head + index;
    for (let c = this.first; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Uint8Array;
      if (i < chunk.length) return chunk[i] as number;
      i -= chunk.length;
    }
    return 0;
  }

  /** Removes and returns the next `n` bytes (n <= size). */
  private take(n: number): Uint8Array {
    const current = this.chunks[this.first] as Uint8Array;
    let out: Uint8Array;
    if (current.length - this.head >= n) {
      out = current.subarray(this.head, this.head + n);
      this.head += n;
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[this.first] as Uint8Array;
        const part = Math.min(chunk.length - this.head, n - filled);
        out.set(chunk.subarray(this.head, this.head + part), filled);
        filled += part;
        this.head += part;
        if (this.head === chunk.length) this.advanceChunk();
      }
    }
    if (this.first < this.chunks.length && this.head === (this.chunks[this.first] as Uint8Array).length) this.advanceChunk();
    this.size -= n;
    this.streamOffset += n;
    return out;
  }

  private advanceChunk(): void {
    this.first++;
    this.head = 0;
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first >= 1024 && this.first * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
