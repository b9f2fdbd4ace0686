// The planner's reasons (planning/selection.py, planning/areas.py; why a stop was left out:
// optimizer/prechecks.py, optimizer/plan_build.py) arrive as English text;
// on the Dutch page they are shown in Dutch. One table of the known sentence shapes; a
// reason of another shape keeps the words no pattern knows.
import { currentLang } from "./i18n.js";

const NL = [  // whole sentences of the level rule, then the phrases of the risk rule
  [/forecast (\S+) at service \(>= must level (\S+)\)/g, "verwacht $1 bij lediging (≥ moet-niveau $2)"],
  [/forecast (\S+) \(upper bound (\S+)\) by the next collection day (\S+) \(>= must level (\S+)\)/g,
    "verwacht $1 (bovengrens $2) op de volgende inzameldag $3 (≥ moet-niveau $4)"],
  [/forecast (\S+) by the next collection day (\S+) \(>= must level (\S+)\)/g,
    "verwacht $1 op de volgende inzameldag $2 (≥ moet-niveau $3)"],
  [/forecast (\S+) at service, (\S+) by (\S+): between skip (\S+) and must (\S+); risk (\S+) of reaching must level first/g,
    "verwacht $1 bij lediging, $2 op $3: tussen overslaan $4 en moet $5; kans $6 dat eerst het moet-niveau bereikt wordt"],
  [/forecast (\S+) at service \(<= skip level (\S+)\), (\S+) by (\S+)/g,
    "verwacht $1 bij lediging (≤ overslaan-niveau $2), $3 op $4"],
  [/area day: upper bound (\S+) by the area's next day (\S+) \(>= must level (\S+)\)/g,
    "wijkdag: bovengrens $1 op de volgende dag van de wijk $2 (≥ moet-niveau $3)"],
  [/^skip: /, "overslaan: "], [/^optional: /, "optioneel: "],
  [/(\S+) at service \(<= skip level (\S+)\)/g, "$1 bij lediging (≤ overslaan-niveau $2)"],
  [/prize below (\S+) m/g, "waarde onder $1 m"],
  [/risk (\S+) of overflowing by the end of today's shift/g, "kans $1 op overlopen voor het einde van de dienst van vandaag"],
  [/risk (\S+) of overflowing before the next chance/g, "kans $1 op overlopen voor de volgende gelegenheid"],
  [/the next chance/g, "de volgende gelegenheid"],
  [/\((>)? ?threshold (\S+)\)/g, (m, gt, v) => `(${gt ? "> " : ""}drempel ${v})`],
  [/due after (\S+) at (\S+), (\S+) today/g, "nodig na $1 bij $2, $3 vandaag"],
  [/due (\S+) at (\S+), (\S+) today/g, "nodig op $1 bij $2, $3 vandaag"],
  [/prize (\S+) m = (\S+) m overflow risk \+ visit then (\S+) m x (\S+) not wasted/g,
    "waarde $1 m = $2 m risico op overlopen + bezoek dan $3 m x $4 niet verspild"],
  [/(\S+) at service/g, "$1 bij lediging"],
];
const UNSERVED = [  // optimizer/prechecks.py, optimizer/plan_build.py
  [/^no vehicle carries fraction (\S+)/, "geen voertuig neemt fractie $1 mee"],
  [/^demand exceeds every vehicle's capacity/, "meer afval dan elk voertuig kan laden"],
  [/^demand exceeds every vehicle's daily limit/, "meer afval dan de daglimiet van elk voertuig"],
  [/^time window closes before any vehicle can get there/, "het tijdvenster sluit voordat een voertuig er kan zijn"],
  [/^cannot be served and brought back within any shift/, "niet te legen en terug te brengen binnen een dienst"],
  [/^left out: its prize is below the cost of serving it/, "weggelaten: de waarde is lager dan de kosten van legen"],
  [/^no feasible route found/, "geen uitvoerbare route gevonden"],
];
const WORDS = [
  [/fire alarm/g, "brandalarm"], [/tilt alarm/g, "kantelalarm"], [/resident report/g, "melding van een bewoner"],
  [/ and /g, " en "], [/\[sensor /g, "[sensor: "], [/; forecast from /g, "; verwachting volgens "],
  [/\bstale\b/g, "stil"], [/\blow_battery\b/g, "batterij bijna leeg"], [/\btilted\b/g, "gekanteld"],
  [/\bstuck\b/g, "hangt"], [/\bno_data\b/g, "geen gegevens"],
  [/\bfraction-average\b/g, "gemiddelde van de fractie"], [/\bown-history\b/g, "eigen verloop"],
  [/verwachting volgens readings\b/g, "verwachting volgens metingen"],
  [/no vehicle can reach it in time/g, "geen voertuig kan er op tijd komen"],
  [/capacity/g, "capaciteit"], [/time window/g, "tijdvenster"], [/not served/g, "niet gepland"],
];

/** `text` in the page's language (Dutch: the known shapes translated). */
export function reasonText(text) {
  if (!text || currentLang() !== "nl") return text || "";
  let out = text;
  for (const [pattern, nl] of [...NL, ...UNSERVED]) out = out.replace(pattern, nl);
  for (const [pattern, nl] of WORDS) out = out.replace(pattern, nl);
  // Dutch numbers: 1,234.5 -> 1.234,5
  return out.replace(/(\d)\.(\d)/g, "$1\u0000$2").replace(/(\d),(\d{3})/g, "$1.$2").replace(/\u0000/g, ",");
}
