/**
 * The labels bills print in front of (or above) their fields, in English, German, French,
 * Spanish, Dutch and Italian, written in folded form (lower case, no accents; see `fold`).
 *
 * A label matches at the start of a cell, and the longest match wins, so that the many
 * look-alikes are told apart: `Rechnungssumme ohne USt.` (net) from `Rechnungssumme` (total),
 * `Date de facture associée` (another invoice's date: ignored) from `Date de facture`. Labels
 * that name something the reader does not take (a customer number, a delivery date, another
 * invoice) are listed too, as `ignore`, for exactly that reason.
 *
 * Strength: `strong` labels name the field without doubt (`Invoice number`); `weak` ones
 * usually do (`No.`, `Date`, `Total`), and a value found by them alone stays under the
 * confidence threshold.
 */
import { fold } from './values.ts';

export type LabelField =
  | 'invoice_number'
  | 'issue_date'
  | 'due_date'
  | 'po_reference'
  | 'net_total'
  | 'tax_total'
  | 'total'
  | 'payable'
  | 'prepaid'
  | 'charge_total'
  | 'allowance_total'
  | 'tax_id'
  | 'buyer_tax_id'
  | 'supplier'
  | 'payee'
  | 'buyer'
  | 'third_party'
  | 'party_name'
  | 'currency'
  | 'iban'
  | 'title_invoice'
  | 'title_credit_note'
  | 'title_not_a_bill'
  | 'ignore';

export type Strength = 'strong' | 'weak';

interface LabelDef {
  readonly field: LabelField;
  readonly strength: Strength;
  readonly source: string;
}

const L = (field: LabelField, strength: Strength, ...sources: string[]): LabelDef[] => sources.map((source) => ({ field, strength, source }));

/** `n°`, `no.`, `nr.`, `#`, `number` and their cousins, after a document word. */
const NO = '(?:n[°ºo]\\.?|no\\.?|nr\\.?|num\\.?|nummer|number|numero|#|nb\\.?)';

/** The German VAT words (`MwSt.`, `USt.`, `Umsatzsteuer`, `Mehrwertsteuer`). */
const DE_VAT = '(?:mwst|ust|umsatzsteuer|mehrwertsteuer)\\.?';
/** A rate in a tax label (`zzgl. 19 % MwSt.`). */
const RATE = '\\d{1,2}(?:[.,]\\d{1,2})?\\s*%';

const DEFS: readonly LabelDef[] = [
  // ---- invoice number
  ...L('invoice_number', 'strong',
    `invoice\\s*${NO}`, 'invoice id', 'inv\\.?\\s*(?:no|nr|#)\\.?', 'bill (?:no|number)\\.?', `credit note\\s*${NO}`,
    `rechnungs?\\s*-?\\s*${NO}`, 'rechnungs-?nr\\.?', `rechnung\\s+${NO}`, 'rg\\.?\\s*-?\\s*nr\\.?', 'belegnummer', 'beleg-nr\\.?', `gutschrifts?\\s*-?\\s*${NO}`,
    `${NO}\\s*(?:de\\s+)?facture`, `facture\\s*${NO}`, `numero de facture`, `${NO}\\s*(?:d')?avoir`, `avoir\\s*${NO}`,
    `${NO}\\s*(?:de\\s+)?factura`, `factura\\s*${NO}`, 'numero de factura', 'n\\.? factura',
    `factuur\\s*-?\\s*${NO}`, 'factuurnr\\.?', `creditnota\\s*${NO}`,
    `${NO}\\s*(?:di\\s+|della\\s+)?fattura`, `fattura\\s*${NO}`, 'numero fattura', 'num\\. fattura'),
  ...L('invoice_number', 'weak', 'nr\\.?', 'no\\.?', 'n[°º]', 'number', 'nummer', 'numero', 'document (?:no|number)\\.?', 'doc\\.? no\\.?', 'invoice', 'rechnung', 'facture', 'factuur', 'factura', 'fattura'),
  ...L('ignore', 'strong',
    'n[°º] de facture associee', 'facture associee', 'date de facture associee', 'related invoice', 'original invoice', 'referenced invoice',
    'ursprungsrechnung', 'bezugsrechnung', 'rechnungsadresse', 'rechnungsanschrift', 'rechnungsbetrag vom',
    'invoice address', 'invoicee', 'invoice period', 'invoice summary',
    'kundennummer', 'kunden-?nr\\.?', 'kundennr\\.?', 'customer (?:no|number|id)\\.?', 'account (?:no|number)\\.?', 'client (?:no|id)\\.?', "n[°º] de client", 'klantnummer', 'numero de cliente',
    'order id', 'ordernummer', 'order (?:no|number|#)\\.?', 'auftragsnummer', 'auftrags-?nr\\.?', 'lieferschein(?:nummer|-?nr\\.?)?', 'delivery note', 'bon de livraison', "n[°º] bon de livraison", "n[°º] bon de reception",
    'contract (?:no|number)\\.?', 'vertragsnummer', "n[°º] contrat", 'mandatsreferenz', 'glaubiger-id', 'booking id', 'steuernummer', 'steuer-?nr\\.?', 'tax number',
    'date of delivery', 'delivery date', 'lieferdatum', 'liefer- und leistungsdatum', 'leistungsdatum', 'date de livraison', 'leverdatum', 'fecha de entrega', 'data di consegna',
    'order date', 'orderdatum', 'bestelldatum', 'date de commande', 'date de debut', 'date de fin', 'periode', 'period', 'zeitraum', 'leistungszeitraum', 'billing period',
    'kto-?nr\\.?', 'blz', 'bic', 'swift', 'siren', 'siret', 'rcs', 'kvk', 'hrb', 'handelsregister', 'registergericht', 'gln', 'ean', 'ust-?satz', 'steuersatz', 'mwst-?satz',
    'page', 'seite', 'pagina', 'blatt', 'tel\\.?', 'fax', 'phone', 'telefon', 'email', 'e-mail',
    // Carried-over subtotals of a multi-page table, and a remittance slip's own amount field: no totals.
    'ubertrag', 'uebertrag', 'zwischensumme ubertrag', 'carried forward', 'brought forward', 'a reporter', 'report', 'suma y sigue', 'transporte', 'riporto', 'a riportare', 'overdracht',
    'amount enclosed', 'amount remitted', 'betrag erhalten', 'montant regle', 'importe abonado', 'bedrag overgemaakt', 'importo versato'),
  // ---- dates
  ...L('issue_date', 'strong',
    'invoice date', 'date of invoice', 'invoice dated', 'date of issue', 'issue date', 'date issued', 'billing date', 'credit note date',
    'rechnungsdatum', 'datum der rechnung', 'rechnungs-datum', 'liefer- und rechnungsdatum', 'rechnungs- und lieferdatum', 'ausstellungsdatum', 'beleg-?datum', 'gutschriftsdatum',
    'date de (?:la )?facture', 'date de facturation', "date d'emission", 'date facture', "date de l'avoir",
    'fecha de (?:la )?factura', 'fecha factura', 'fecha de emision', 'fecha de expedicion',
    'factuurdatum', 'factuur datum', 'datum factuur',
    'data (?:della )?fattura', 'data documento', 'data di emissione', 'data emissione'),
  ...L('issue_date', 'weak', 'date', 'datum', 'fecha', 'data', 'dated'),
  ...L('due_date', 'strong',
    'due date', 'date due', 'payment due(?: date| by| on)?', 'due on', 'due by', 'pay by', 'payable by', 'please pay by', 'payment date',
    'falligkeitsdatum', 'falligkeit', 'fallig (?:am|bis)', 'zahlbar bis', 'zahlungsziel', 'zahlungstermin', 'zu zahlen bis',
    "date d'echeance", 'echeance', 'date limite de paiement', 'a payer avant le', 'payable le', 'date de paiement',
    'fecha de vencimiento', 'vencimiento', 'fecha limite de pago', 'fecha de pago',
    'vervaldatum', 'vervaldag', 'uiterste betaaldatum', 'te betalen voor', 'betalen voor',
    'data (?:di )?scadenza', 'scadenza', 'data pagamento', 'da pagare entro'),
  // ---- purchase order
  ...L('po_reference', 'strong',
    `purchase order\\s*${NO}?`, `p\\.?\\s?o\\.?\\s*${NO}`, 'po', 'p\\.o\\.', 'your order(?: no\\.?| number| ref(?:erence)?)?', 'your po', 'customer po', 'buyer order',
    `bestell(?:ung)?\\s*-?\\s*${NO}`, 'bestellnummer', 'ihre bestellung(?: nr\\.?| vom)?', 'bestellung', 'ihre bestellnummer',
    `(?:${NO}\\s*)?(?:de\\s+)?bon de commande`, 'votre commande', `${NO} de commande`, 'reference commande', 'commande client',
    'orden de compra', `pedido\\s*${NO}?`, 'su pedido', `numero de pedido`, 'ref(?:erencia)? pedido',
    'inkooporder(?:nummer)?', 'inkoopordernummer', 'uw ordernummer', 'uw bestelling', 'uw referentie', 'bestelnummer',
    "ordine d'acquisto", `ordine\\s*${NO}`, 'numero ordine', 'vs\\.? ordine', 'vostro ordine', 'rif\\.? ordine'),
  ...L('po_reference', 'weak', 'ihr zeichen', 'bestellzeichen', 'your reference', 'your ref\\.?', 'votre reference', 'vos references?', 'uw kenmerk', 'su referencia', 'vs\\.? riferimento'),
  // ---- totals
  ...L('net_total', 'strong',
    'subtotal', 'sub-total', 'sub total', 'net total', 'total net', 'net amount', 'total excl\\.?(?: vat| tax)?', 'total excluding (?:vat|tax)', 'total before tax', 'amount excl\\.? vat', 'total ex\\.? vat', 'taxable amount',
    'nettobetrag', 'netto', 'nettosumme', 'summe netto', 'gesamt netto', 'netto gesamt', 'zwischensumme', 'rechnungssumme ohne ust\\.?', '(?:rechnungs|gesamt|end)(?:summe|betrag) netto', 'summe ohne (?:ust|mwst)\\.?', 'gesamtbetrag netto', 'betrag netto', 'nettowert',
    'total ht', 'montant ht', 'montant eur ht', 'total hors taxes?', 'sous-total', 'sous total', 'base ht', 'base tva',
    'base imponible', 'subtotal sin iva', 'total sin iva', 'importe neto', 'neto',
    'subtotaal', 'totaal excl\\.?(?: btw)?', 'exclusief btw', 'excl\\.? btw', 'netto bedrag', 'totaal netto', 'grondslag',
    'imponibile', 'totale imponibile', 'totale netto', 'subtotale', 'importo netto'),
  ...L('net_total', 'weak', 'warenwert', 'positionssumme', 'summe positionen', 'total lines', 'line total', 'items total'),
  ...L('tax_total', 'strong',
    'vat', 'vat amount', 'total vat', 'vat total', 'tax', 'tax amount', 'total tax', 'sales tax', 'gst', 'hst', 'tax total',
    'mwst\\.?', 'mwst\\.?-?betrag', '(?:ust|mwst|umsatzsteuer)\\.? gesamt', 'gesamt (?:ust|mwst|umsatzsteuer)\\.?', 'ust\\.?', 'ust\\.?-?betrag', 'umsatzsteuer', 'mehrwertsteuer', 'steuerbetrag', 'steuer', `(?:zzgl\\.?|zuzuglich|plus|enthaltene|inkl\\.?|inklusive) (?:${RATE} )?${DE_VAT}`, `summe ${DE_VAT}`,
    // `19% VAT`, `7 % MwSt.`: the tax at one rate, the rate printed first (`19 % VAT (S)`, with its category, is a line's or an allowance's rate).
    `${RATE}\\s*(?:vat|tax|gst|mwst|ust|umsatzsteuer|tva|iva|btw)\\.?(?!\\s*\\()`,
    'tva', 'montant tva', 'total tva', 'montant de la tva', 'total (?:des )?taxes', 'taxes', 'total taxes',
    'iva', 'cuota iva', 'total iva', 'importe iva', 'impuestos?',
    'btw', 'btw bedrag', 'totaal btw', 'btw-bedrag',
    'imposta', 'totale iva', 'importo iva'),
  ...L('total', 'strong',
    'total', 'grand total', 'total amount', 'invoice total', 'total to pay', 'total payable', 'total for this invoice', 'total incl\\.?(?: vat| tax)?', 'total including (?:vat|tax)', 'total \\(incl',
    'gesamtbetrag', 'gesamtsumme', '(?:rechnungs|gesamt|end)(?:summe|betrag) brutto', 'endsumme', 'rechnungsbetrag', 'rechnungssumme', 'endbetrag', 'bruttobetrag', 'brutto', 'bruttosumme', 'summe brutto', 'gesamt brutto', 'gesamt', 'summe', 'total brutto',
    'total ttc', 'montant ttc', 'montant eur ttc', 'total facture', 'montant total', 'total a payer',
    'total factura', 'importe total', 'total a pagar', 'total (?:con )?iva incluido',
    'totaal', 'totaal incl\\.?(?: btw)?', 'inclusief btw', 'incl\\.? btw', 'factuurbedrag', 'factuur totaal', 'totaalbedrag',
    'totale', 'totale fattura', 'importo totale', 'totale documento', 'totale da pagare'),
  ...L('payable', 'strong',
    'amount due', 'total amount due', 'balance due', 'amount payable', 'please pay', 'due payable', 'total due', 'to pay',
    'zahlbetrag', 'zu zahlender betrag', 'zu zahlen', 'offener betrag', 'restbetrag', 'zahlbar',
    'net a payer', 'somme a payer', 'reste a payer', 'montant a payer', 'montant du',
    'importe a pagar', 'a pagar', 'saldo', 'te betalen bedrag', 'openstaand bedrag', 'netto a pagare', 'da pagare'),
  ...L('prepaid', 'strong', 'prepaid', 'paid', 'amount paid', 'payments?(?: received)?', 'deposit', 'credits', 'erhaltene anzahlungen?', 'anzahlung', 'bereits bezahlt', 'acompte', 'deja paye', 'anticipo', 'reeds betaald', 'vooruitbetaald', 'acconto', 'gia pagato'),
  ...L('charge_total', 'strong', 'gesamtbetrag der zuschlage', 'zuschlage', 'charges total', 'total charges', 'shipping', 'freight', 'versand(?:kosten)?', 'fracht', 'frais de port', 'port', 'gastos de envio', 'verzendkosten', 'spese di spedizione'),
  ...L('allowance_total', 'strong', 'gesamtbetrag der abschlage', 'abschlage', 'rabatt', 'discount', 'allowances?', 'remise', 'descuento', 'korting', 'sconto'),
  // ---- parties
  ...L('tax_id', 'strong',
    'vat(?:-| )?(?:reg(?:istration)?\\.?\\s*)?(?:no|nr|number|id|#)\\.?', 'vat id', 'vat-id', 'vat reg\\.?', 'tax id', 'tax-id', 'tax reg(?:istration)?\\.? (?:no|number)\\.?', 'gstin', 'gst (?:no|number|reg\\.? no)\\.?', 'seller vat id', 'supplier vat',
    'ust\\.?-?id\\.?-?nr\\.?', 'ust-?idnr\\.?', 'ust\\.?-?ident(?:\\.?-?nr\\.?|nummer)?', 'ustid\\.?(?:nr\\.?)?', 'ust\\.?-?id\\.?', 'umsatzsteuer-?id(?:entifikationsnummer)?', 'umsatzsteuer-identifikationsnummer', 'mwst-?nr\\.?', 'uid(?:-?nr\\.?)?',
    `${NO}\\s*(?:de\\s+)?tva(?: intra-? ?communautaire)?`, 'tva intra-? ?communautaire', 'numero de tva', 'identifiant tva', 'tva',
    'nif', 'cif', 'nif/cif', 'n\\.?i\\.?f\\.?', 'c\\.?i\\.?f\\.?',
    'btw(?:-| )?(?:nummer|nr\\.?|id|no\\.?)', 'btw', 'btw-id',
    'p\\.? ?iva', 'partita iva', 'p\\.?iva', 'vat/tin', 'tin', 'vat'),
  ...L('buyer_tax_id', 'strong',
    'your vat(?: id| no\\.?| number)?', 'customer vat(?: id| no\\.?)?', 'buyer vat(?: id)?', 'buyer req vat id', 'ship to vat id', 'ship from vat id', 'client vat',
`${NO}\\s*(?:de\\s+)?tva(?: intra-? ?communautaire)? (?:du )?client`, 'numero de tva (?:du )?client', 'tva acheteur', 'vat (?:no\\.?|number|id) (?:of the )?(?:customer|buyer)', 'ust-?id(?:-?nr\\.?)? (?:des )?kunden', 'btw-?(?:nummer|nr\\.?) klant', 'nif (?:del )?cliente',
    'ihre ust\\.?-?id(?:\\.?-?nr\\.?)?', 'ihre ust\\.?-?ident(?:\\.?-?nr\\.?|nummer)?', 'ihre umsatzsteuer-?id', 'kunden-?ust-?id', 'uw btw(?:-| )?(?:nummer|nr\\.?)?', 'btw klant', 'votre (?:n[°º] (?:de )?)?tva', 'tva client', 'su nif', 'nif cliente', 'vostra p\\.? ?iva', 'p\\.? ?iva cliente'),
  ...L('supplier', 'strong',
    'supplier', 'seller', 'vendor', 'sold by', 'service provider', 'issued by', 'billed by', 'from',
    'lieferant', 'verkaufer', 'rechnungssteller', 'rechnungsersteller', 'aussteller', 'leistungserbringer', 'auftragnehmer',
    'fournisseur', 'vendeur', 'emetteur', 'prestataire',
    'proveedor', 'vendedor', 'emisor',
    'leverancier', 'verkoper', 'afzender',
    'fornitore', 'venditore', 'cedente', 'cedente/prestatore', 'emittente'),
  ...L('payee', 'strong', 'account holder', 'beneficiary', 'payee', 'pay to', 'remit to', 'please remit to', 'remit payment to', 'make checks payable to', 'make cheques payable to', 'all payment to be made in favou?r of', 'payable to', 'kontoinhaber', 'zahlungsempfanger', 'empfanger', 'titulaire du compte', 'titulaire', 'beneficiaire', 'titular', 'beneficiario', 'begunstigde', 't\\.?n\\.?v\\.?', 'intestatario'),
  ...L('buyer', 'strong',
    'bill to', 'billed to', 'invoice to', 'sold to', 'customer', 'buyer', 'client', 'ship to', 'deliver to', 'attn', 'guest name', 'billing address', 'shipping address',
    'kunde', 'kaufer', 'kaufer/leistungsempfanger', 'rechnungsempfanger', 'leistungsempfanger', 'auftraggeber', 'empfanger der leistung', 'lieferanschrift', 'lieferadresse',
    'adresse du client', 'facture a', 'adresse de facturation', 'adresse de livraison', 'acheteur', 'destinataire', 'vos identifiants',
    'cliente', 'facturar a', 'comprador', 'direccion de envio',
    'klant', 'factuuradres', 'afleveradres', 'koper',
    'destinatario', 'acquirente', 'committente', 'cessionario'),
  // A third party's block: a different ship-to, invoicee or payee, the seller's tax representative (its numbers and VAT id are not the seller's or the invoice's).
  ...L('third_party', 'strong',
    'abweichender (?:rechnungs|waren|zahlungs|leistungs)empfanger', 'warenempfanger', 'steuerbevollmachtigter(?: des verkaufers)?', 'fiskalvertreter',
    'tax representative', "seller'?s? tax representative", 'representant fiscal', 'representante fiscal', 'fiscaal vertegenwoordiger', 'rappresentante fiscale'),
  ...L('party_name', 'strong', 'name', 'firma', 'firmenname', 'company(?: name)?', 'nom', 'raison sociale', 'naam', 'bedrijfsnaam', 'nombre', 'razon social', 'ragione sociale', 'denominazione'),
  // The currency stated by label (`Rechnungswährung: GBP`, `All amounts in USD`) beats symbols and other mentions.
  ...L('currency', 'strong',
    'currency', 'invoice currency', 'currency code', 'billing currency', 'document currency', 'all amounts (?:are )?(?:stated |shown )?in', 'amounts (?:are )?in', 'prices (?:are )?in',
    'wahrung', 'rechnungswahrung', 'wahrungscode', 'belegwahrung', 'alle betrage (?:sind )?in', 'betrage in', 'preise in',
    'devise', 'monnaie', 'devise de facturation', 'monnaie de facturation', 'devise de la facture', 'montants (?:exprimes )?en', 'tous les montants sont (?:exprimes )?en',
    'moneda', 'divisa', 'moneda de (?:la )?factura(?:cion)?', 'importes (?:expresados )?en', 'todos los importes (?:estan )?en',
    'valuta', 'munteenheid', 'factuurvaluta', 'valuta van de factuur', 'bedragen (?:zijn )?in', 'alle bedragen (?:zijn )?in',
    'valuta (?:della )?fattura', 'divisa (?:della )?fattura', 'importi (?:espressi )?in', 'tutti gli importi (?:sono )?(?:espressi )?in'),
  ...L('iban', 'strong', 'iban'),
  // ---- titles
  // "Gutschrift" is a German credit note, or a self-billed invoice (type 389): a credit note only with doubt.
  ...L('title_credit_note', 'weak', 'gutschrift'),
  ...L('title_credit_note', 'strong', 'credit note', 'credit memo', 'avoir', 'facture d\'avoir', 'nota de credito', 'factura rectificativa', 'creditnota', 'creditfactuur', 'nota di credito'),
  ...L('title_invoice', 'strong', 'invoice', 'tax invoice', 'commercial invoice', 'rechnung', 'handelsrechnung', 'rechnungs-?korrektur', '(?!pro-?forma)[a-z]{3,}rechnung', 'facture', 'factura', 'factuur', 'fattura', 'bill', 'payment receipt', 'receipt', 'kopie factuur', 'retail invoices?'),
  ...L('title_not_a_bill', 'strong', 'purchase order', 'order confirmation', 'bestellung', 'auftragsbestatigung', 'angebot', 'quotation', 'quote', 'offer', 'bon de commande', 'devis', 'offerte', 'orden de compra', 'presupuesto', 'preventivo', 'delivery note', 'lieferschein', 'packing slip', 'pakbon', 'statement of account', 'kontoauszug', 'reminder', 'mahnung', 'relance'),
];

interface Compiled extends LabelDef {
  readonly re: RegExp;
}

const COMPILED: readonly Compiled[] = DEFS.map((d) => ({ ...d, re: new RegExp(`^(?:${d.source})(?:(?<=[°º#.:])|(?![\\p{L}\\p{N}_]|-[\\p{L}\\p{N}]))`, 'iu') }));

export interface LabelMatch {
  readonly field: LabelField;
  readonly strength: Strength;
  /** True when a colon follows the label (`Lieferant: Acme` is a label; `Lieferant GmbH` is a name). */
  readonly colon: boolean;
  /** The cell text after the label and its punctuation (`: 471102` → `471102`), original case. */
  readonly rest: string;
  readonly labelLength: number;
}

/**
 * The labels a cell starts with, longest first (so the caller takes the first and can see
 * what else the same words might have meant).
 */
export function labelsOf(cellText: string): LabelMatch[] {
  const found = matchLabels(cellText);
  if (found.length > 0) return found;
  // `Br uttosumme`, `Zahlbetr ag`, `Ver käufer`: a word a PDF's text layer split with a stray space (kerning). Only
  // where the cell names no label as printed, a short piece joined to the lower-case letters that follow it.
  const joined = cellText.replace(/(?<=(?:^|[\s(])\p{L}{1,3}) (?=\p{Ll})|(?<=\p{L}) (?=\p{Ll}{1,3}(?:$|[\s.:)]))/gu, '');
  return joined === cellText ? found : matchLabels(joined);
}

function matchLabels(cellText: string): LabelMatch[] {
  // `W A R E N R E C H N U N G`: a title printed letter-spaced reads as its word.
  const spaced = /^(?:\p{L} ){3,}\p{L}(?: |$)/u.test(cellText.trim()) ? cellText.trim().replace(/(?<=^|\s\p{L}|^\p{L}) (?=\p{L}(?:\s|$))/gu, '') : cellText;
  const clean = spaced.replace(/^[\s•·*>\-–]+/, '');
  const folded = fold(clean);
  // Folding keeps the length except where it removes combining marks; map back by re-folding prefixes.
  const out: LabelMatch[] = [];
  for (const d of COMPILED) {
    const m = d.re.exec(folded);
    if (!m) continue;
    const len = m[0].length;
    out.push({ field: d.field, strength: d.strength, rest: restAfter(clean, len), labelLength: len, colon: /^\s*[:：]/.test(folded.slice(len)) });
  }
  return out.sort((a, b) => b.labelLength - a.labelLength);
}

/** The longest label a cell starts with, or null. */
export function labelOf(cellText: string): LabelMatch | null {
  return labelsOf(cellText)[0] ?? null;
}

/** The original text after `foldedLength` folded characters, punctuation and a rate like `19 %` kept for the caller. */
function restAfter(original: string, foldedLength: number): string {
  let i = 0;
  let n = 0;
  while (i < original.length && n < foldedLength) {
    n += fold(original[i]!).length || (original[i] === ' ' ? 1 : 0);
    i++;
  }
  return original.slice(i).replace(/^[\s:#.°º*)-]*(?:\(\s*[^)]*\)\s*)?[\s:]*/, '').trim();
}
