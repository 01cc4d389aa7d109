/**
 * Sending /api entity documents in the negotiated format: XML with VCD's versioned media type, or VCD JSON
 * (`<type>+json`) rendered from the same document tree (inventory/document-tree.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendExactJson } from '../context.js';
import { renderJson, renderXmlDocument, type DocElement } from '../../inventory/document-tree.js';
import { withVersion } from '../../inventory/xml-render.js';

const jsonType = (mediaType: string) => mediaType.replace(/\+xml$/, '+json');

export function sendXml(request: FastifyRequest, reply: FastifyReply, mediaType: string, body: string) {
  return reply.type(withVersion(mediaType, request.vcd.responseVersion)).send(body);
}

/** VCD JSON with the exact `+json` media type. */
export function sendJsonDocument(request: FastifyRequest, reply: FastifyReply, mediaType: string, body: unknown) {
  return sendExactJson(reply, withVersion(jsonType(mediaType), request.vcd.responseVersion), body);
}

/** An entity document in the negotiated format: XML, or VCD JSON from the same tree. */
export function sendDocument(request: FastifyRequest, reply: FastifyReply, mediaType: string, tree: DocElement) {
  if (request.vcd.json) return sendJsonDocument(request, reply, mediaType, renderJson(tree));
  return sendXml(request, reply, mediaType, renderXmlDocument(tree));
}
