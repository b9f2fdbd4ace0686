// The planner's reasons (planning/selection.py, planning/areas.py) arrive as English text;
// on the Dutch page they are shown in Dutch. One table of the known sentence shapes; a
// reason of another shape is shown as it came.
import { currentLang } from "./i18n.js";

const NL = [
  [/^forecast (\S+) at service \(>= must level (\S+)\)/, "verwacht $1 bij lediging (≥ moet-niveau $2)"],
  [/^forecast (\S+) \(upper bound (\S+)\) by the next collection day (\S+) \(>= must level (\S+)\)/,
    "verwacht $1 (bovengrens $2) op de volgende inzameldag $3 (≥ moet-niveau $4)"],
  [/^forecast (\S+) by the next collection day (\S+) \(>= must level (\S+)\)/,
    "verwacht $1 op de volgende inzameldag $2 (≥ moet-niveau $3)"],
  [/^forecast (\S+) at service, (\S+) by (\S+): between skip (\S+) and must (\S+); risk (\S+) of reaching must level first/,
    "verwacht $1 bij lediging, $2 op $3: tussen overslaan $4 en moet $5; kans $6 dat eerst het moet-niveau bereikt wordt"],
  [/^forecast (\S+) at service \(<= skip level (\S+)\), (\S+) by (\S+)/,
    "verwacht $1 bij lediging (≤ overslaan-niveau $2), $3 op $4"],
  [/^area day: upper bound (\S+) by the area's next day (\S+) \(>= must level (\S+)\)/,
    "wijkdag: bovengrens $1 op de volgende dag van de wijk $2 (≥ moet-niveau $3)"],
];
const WORDS = [
  [/fire alarm/g, "brandalarm"], [/tilt alarm/g, "kantelalarm"], [/resident report/g, "melding van een bewoner"],
  [/ and /g, " en "], [/\[sensor /g, "[sensor: "], [/; forecast from /g, "; verwachting volgens "],
  [/\bstale\b/g, "stil"], [/\blow_battery\b/g, "batterij bijna leeg"], [/\btilted\b/g, "gekanteld"],
  [/\bstuck\b/g, "hangt"], [/\bno_data\b/g, "geen gegevens"],
  [/no vehicle can reach it in time/g, "geen voertuig kan er op tijd komen"],
  [/capacity/g, "capaciteit"], [/time window/g, "tijdvenster"], [/not served/g, "niet gepland"],
];

/** `text` in the page's language (Dutch: the known shapes translated). */
export function reasonText(text) {
  if (!text || currentLang() !== "nl") return text || "";
  let out = text;
  for (const [pattern, nl] of NL) {
    if (pattern.test(out)) { out = out.replace(pattern, nl); break; }
  }
  for (const [pattern, nl] of WORDS) out = out.replace(pattern, nl);
  return out.replace(/(\d)\.(\d)/g, "$1,$2");
}
