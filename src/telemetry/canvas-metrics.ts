// The canvas's counters: placements, rejects, ticks, slow clients, memory.
import type { Registry } from './metrics.js';

export function createCanvasMetrics(registry: Registry, gauges: { chunksAllocated: () => number; canvasBytes: () => number }) {
  return {
    pixelsPlaced: registry.counter('tessera_pixels_placed_total', 'Pixels written, by board', ['board']),
    rejects: registry.counter('tessera_placement_rejects_total', 'Placements refused, by board and reason', ['board', 'reason']),
    ticks: registry.counter('tessera_ticks_total', 'Broadcast ticks run'),
    tickSeconds: registry.counter('tessera_tick_seconds_total', 'Time spent in broadcast ticks'),
    tickDuration: registry.gauge('tessera_tick_duration_seconds', 'Duration of the last broadcast tick'),
    tickRate: registry.gauge('tessera_tick_rate_hz', 'Broadcast ticks run in the last second (falls under overload)'),
    diffMessages: registry.counter('tessera_diff_messages_total', 'DIFF messages sent (at most one per client per tick)'),
    clientsBehind: registry.gauge('tessera_clients_behind', 'Clients currently too slow to receive diffs'),
    catchUps: registry.counter('tessera_catch_ups_total', 'Coalesced catch-ups sent to clients that had fallen behind'),
    slowClientsClosed: registry.counter('tessera_slow_clients_closed_total', 'Clients closed with 1013 for staying behind'),
    chunksAllocated: registry.gauge('tessera_chunks_allocated', 'Chunks holding pixel data, all boards', [], gauges.chunksAllocated),
    canvasBytes: registry.gauge('tessera_canvas_memory_bytes', 'Bytes of typed arrays held by the boards', [], gauges.canvasBytes),
  };
}

export type CanvasMetrics = ReturnType<typeof createCanvasMetrics>;
