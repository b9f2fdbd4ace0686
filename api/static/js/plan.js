// Tomorrow's plan (placeholder until the plan endpoints land).
export class PlanView {
  constructor(map, api, els) { Object.assign(this, { map, api, els }); }
  show() {}
  hide() {}
  render() {}
}
