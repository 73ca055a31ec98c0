// Templates: an image quantised to a board's palette, placed at board coordinates
// as a guide. Kept in localStorage per board, and shareable as a link (the
// pixels deflated into the URL's hash).
import type { IndexedImage } from './image-quantize.js';

export interface Template {
  id: string;
  boardId: string;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Palette index per pixel, row-major; -1 = transparent (not part of the template). */
  colors: Int16Array;
  opacity: number;
  visible: boolean;
  /** Show only the pixels where the board differs from the template. */
  onlyDiff: boolean;
}

/** Longest side of a template: its hints canvas is 3× that on each side. */
export const MAX_TEMPLATE_SIDE = 512;
const STORAGE_KEY = 'tessera.templates.v1';
const SHARE_FORMAT = 1;

interface StoredTemplate extends Omit<Template, 'colors'> {
  colors: string;
}

export function newTemplate(boardId: string, name: string, image: IndexedImage, x: number, y: number): Template {
  return {
    id: Math.random().toString(36).slice(2, 10),
    boardId,
    name,
    x,
    y,
    width: image.width,
    height: image.height,
    colors: image.colors,
    opacity: 0.5,
    visible: true,
    onlyDiff: false,
  };
}

export class TemplateStore {
  private templates: Template[] = [];

  constructor() {
    try {
      const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as StoredTemplate[];
      this.templates = stored.map((t) => ({ ...t, colors: colorsFromBytes(base64ToBytes(t.colors)) }));
    } catch {
      this.templates = []; // a damaged entry must not break the page
    }
  }

  forBoard(boardId: string): Template[] {
    return this.templates.filter((t) => t.boardId === boardId);
  }

  get(id: string): Template | undefined {
    return this.templates.find((t) => t.id === id);
  }

  add(template: Template): void {
    this.templates.push(template);
    this.save();
  }

  remove(id: string): void {
    this.templates = this.templates.filter((t) => t.id !== id);
    this.save();
  }

  /** Persists every template (after any change to one). */
  save(): void {
    const stored: StoredTemplate[] = this.templates.map((t) => ({ ...t, colors: bytesToBase64(colorsToBytes(t.colors)) }));
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
    } catch {
      // Over the storage quota: the templates still work until the page is closed.
    }
  }
}

// ---- the share link: format byte, x, y, width, height (u16), then colours; deflated, base64url ----

export async function encodeShare(template: Template): Promise<string> {
  const header = new Uint8Array(9);
  const view = new DataView(header.buffer);
  view.setUint8(0, SHARE_FORMAT);
  view.setUint16(1, template.x);
  view.setUint16(3, template.y);
  view.setUint16(5, template.width);
  view.setUint16(7, template.height);
  const body = new Uint8Array(header.length + template.colors.length * 2);
  body.set(header);
  body.set(colorsToBytes(template.colors), header.length);
  return bytesToBase64(await transform(body, new CompressionStream('deflate-raw')), true);
}

export async function decodeShare(text: string, boardId: string): Promise<Template> {
  const bytes = await transform(base64ToBytes(text), new DecompressionStream('deflate-raw'));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 9 || view.getUint8(0) !== SHARE_FORMAT) throw new Error('not a Tessera template link');
  const width = view.getUint16(5);
  const height = view.getUint16(7);
  if (width < 1 || height < 1 || width > MAX_TEMPLATE_SIDE || height > MAX_TEMPLATE_SIDE || bytes.length !== 9 + width * height * 2) {
    throw new Error('damaged template link');
  }
  const colors = colorsFromBytes(bytes.subarray(9));
  return newTemplate(boardId, 'Shared template', { width, height, colors }, view.getUint16(1), view.getUint16(3));
}

async function transform(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const output = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(output).arrayBuffer());
}

/** Colours as u16 big-endian, index + 1 (0 = transparent): 256-colour palettes need 257 values. */
function colorsToBytes(colors: Int16Array): Uint8Array {
  const bytes = new Uint8Array(colors.length * 2);
  for (let i = 0; i < colors.length; i++) {
    const value = colors[i]! + 1;
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  return bytes;
}

function colorsFromBytes(bytes: Uint8Array): Int16Array {
  const colors = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < colors.length; i++) colors[i] = ((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!) - 1;
  return colors;
}

function bytesToBase64(bytes: Uint8Array, urlSafe = false): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const base64 = btoa(binary);
  return urlSafe ? base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : base64;
}

function base64ToBytes(text: string): Uint8Array {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
