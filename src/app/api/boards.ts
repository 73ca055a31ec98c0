// GET /api/boards and GET /api/boards/:id: the boards as HELLO describes them.
import type { HttpHandler } from '../../net/router.js';
import { boardJson } from '../json.js';
import type { Canvas } from '../canvas.js';
import { boardFrom, jsonBody } from './http.js';

export function listBoards(canvas: Canvas): HttpHandler {
  return (request) => jsonBody(request, canvas.boards.map((board) => boardJson(board, canvas.policies[board.index]!)));
}

export function getBoard(canvas: Canvas): HttpHandler {
  return (request) => jsonBody(request, boardJson(boardFrom(canvas, request), canvas.policies[boardFrom(canvas, request).index]!));
}
