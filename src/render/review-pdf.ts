import PDFDocument from 'pdfkit';
import { reviewDocument } from '../domain/review/render.js';
import type { DeploymentReview } from '../domain/review/review.js';

/**
 * The review as a PDF, laid out by pdfkit from the same sections as the Markdown and
 * HTML renderings (domain/review/render.ts). Shared by the server (`review.pdf`) and
 * the CLI (`ringmaster review ID --format pdf`), which renders it from the JSON review.
 */
export function reviewPdf(review: DeploymentReview): Promise<Buffer> {
  const doc = reviewDocument(review);
  const pdf = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 36,
    info: { Title: doc.title, Creator: 'Ringmaster' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  pdf.font('Helvetica-Bold').fontSize(16).text(doc.title);
  for (const section of doc.sections) {
    pdf
      .moveDown(0.8)
      .font('Helvetica-Bold')
      .fontSize(12)
      .text(section.title, pdf.page.margins.left);
    pdf.font('Helvetica').fontSize(9);
    for (const line of section.lines) pdf.text(`• ${line}`, pdf.page.margins.left);
    if (section.table) {
      pdf.moveDown(0.3);
      pdf.table({
        data: [
          section.table.head.map((text) => ({ text, font: { src: 'Helvetica-Bold' } })),
          ...section.table.rows,
        ],
      });
    }
  }
  pdf.end();
  return done;
}
